import Testing

@testable import Raft

/// Seeded random inputs against the decoder: nothing may trap, every failure is a DecodeError.
/// A failing seed reproduces with `FrameFuzzTests.run(seed:)`.
@Suite("Frame decoder fuzz")
struct FrameFuzzTests {
  static let seeds: [UInt64] = [1, 2, 3, 0xDEAD_BEEF, 20_261_204]

  @Test("Random bytes, cut into random chunks, never crash the stream decoder", arguments: seeds)
  func randomStream(seed: UInt64) {
    print("FrameFuzzTests.randomStream seed=\(seed)")
    var random = SeededGenerator(seed: seed)
    for _ in 0..<200 {
      var decoder = FrameDecoder(maximumLength: 1 << 16)
      let bytes = (0..<Int.random(in: 0..<512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      var offset = 0
      loop: while offset < bytes.count {
        let end = min(bytes.count, offset + Int.random(in: 1...64, using: &random))
        decoder.append(Array(bytes[offset..<end]))
        offset = end
        do {
          while try decoder.next() != nil {}
        } catch {
          break loop
        }
      }
    }
  }

  @Test("Mutated valid frames with repaired checksums decode or fail cleanly", arguments: seeds)
  func mutatedFrames(seed: UInt64) {
    print("FrameFuzzTests.mutatedFrames seed=\(seed)")
    var random = SeededGenerator(seed: seed)
    var decoded = 0
    for _ in 0..<800 {
      let message = CodecSamples.messages.randomElement(using: &random)!
      var contents = Array(FrameCodec.encode(message).dropFirst(8))  // version, kind, body
      guard contents.count < 4096 else { continue }
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: contents[Int.random(in: 0..<contents.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        case 1: contents.removeLast(Int.random(in: 0...min(8, contents.count - 2), using: &random))
        default: contents.append(UInt8.random(in: 0...255, using: &random))
        }
      }
      contents[0] = 1  // keep the version, to reach the body parsers
      if (try? decodeRaw(version: contents[0], kind: contents[1], body: Array(contents.dropFirst(2)))) != nil {
        decoded += 1
      }
    }
    // Some mutations (a changed index, say) still decode; that is fine, the point is no trap.
    #expect(decoded < 800)
  }
}
