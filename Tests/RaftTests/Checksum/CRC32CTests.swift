import Raft
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
  // Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check.
  @Test(arguments: [
    (Array("123456789".utf8), UInt32(0xE306_9283)),
    ([UInt8](repeating: 0, count: 32), UInt32(0x8A91_36AA)),
    ([UInt8](repeating: 0xFF, count: 32), UInt32(0x62A8_AB43)),
    ((0..<32).map { UInt8($0) }, UInt32(0x46DD_794E)),
    ([], UInt32(0)),
  ])
  func knownValues(input: [UInt8], expected: UInt32) {
    #expect(CRC32C.checksum(input) == expected)
  }

  @Test func partsGiveTheChecksumOfTheWhole() {
    var generator = SeededGenerator(seed: 7)
    let bytes = (0..<1_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let whole = CRC32C.checksum(bytes)
    for split in [0, 1, 7, 8, 9, 500, 999, 1_000] {
      var crc = CRC32C()
      crc.update(bytes[..<split])
      crc.update(bytes[split...])
      #expect(crc.value == whole, "split at \(split)")
    }
  }

  @Test("The hardware and the portable versions agree, at every length and alignment", arguments: [1, 2, 3])
  func hardwareMatchesPortable(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for start in 0..<9 {
      for end in stride(from: start, through: bytes.count, by: 7) {
        bytes[start..<end].withUnsafeBytes { buffer in
          var portable = CRC32C()
          portable.updatePortably(buffer)
          var chosen = CRC32C()
          chosen.update(buffer)
          #expect(chosen.value == portable.value, "bytes \(start)..<\(end), seed \(seed)")
        }
      }
    }
  }

  @Test func aFlippedBitChangesTheChecksum() {
    let bytes = Array("the quick brown fox jumps over the lazy dog".utf8)
    let original = CRC32C.checksum(bytes)
    for position in bytes.indices {
      var corrupted = bytes
      corrupted[position] ^= 0x10
      #expect(CRC32C.checksum(corrupted) != original)
    }
  }
}
