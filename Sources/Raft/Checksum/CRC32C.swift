import CRC32CHardware

/// CRC-32C (Castagnoli), the checksum of log records, snapshots and frames.
///
/// Castagnoli rather than the zlib polynomial because it detects more error patterns in the
/// record sizes a log writes, and because it is the one CPUs accelerate. On a CPU with CRC
/// instructions (x86-64 SSE 4.2, ARMv8 CRC) it uses them: checksumming was the largest user-space
/// cost of a loaded node (about 6% of its CPU, for every record written and every frame sent and
/// received). Elsewhere a portable version processes eight bytes per step with eight lookup
/// tables ("slicing-by-8"). Both give the same checksum.
public struct CRC32C: Sendable {
  /// The checksum of everything fed so far.
  public var value: UInt32 { ~state }
  private var state: UInt32 = 0xFFFF_FFFF

  public init() {}

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc = CRC32C()
    crc.update(bytes)
    return crc.value
  }

  /// Feeds `bytes`; checksumming a message in parts gives the checksum of the whole.
  public mutating func update(_ bytes: some Sequence<UInt8>) {
    let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
    if handled == nil {
      let copy = Array(bytes)
      copy.withUnsafeBytes { update($0) }
    }
  }

  /// Feeds the bytes of `buffer`.
  public mutating func update(_ buffer: UnsafeRawBufferPointer) {
    guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
    if CRC32C.hardwareAvailable {
      state = crc32c_hardware_update(state, base, buffer.count)
    } else {
      updatePortably(buffer)
    }
  }

  /// Whether the CPU's CRC instructions are used.
  public static let hardwareAvailable = crc32c_hardware_available() != 0

  /// The table-driven version, for CPUs without CRC instructions (and to check the hardware one).
  public mutating func updatePortably(_ buffer: UnsafeRawBufferPointer) {
    let tables = CRC32C.tables
    var crc = state
    var offset = 0
    let count = buffer.count
    tables.withUnsafeBufferPointer { table in
      while count - offset >= 8 {
        let low = crc ^ buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
        let high = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
        crc =
          table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
          ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
          ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
          ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
        offset += 8
      }
      while offset < count {
        crc = table[Int((crc ^ UInt32(buffer[offset])) & 0xFF)] ^ (crc >> 8)
        offset += 1
      }
    }
    state = crc
  }

  /// Table `k` (entries `k * 256 ..< (k + 1) * 256`) advances a byte through `k` more zero bytes.
  private static let tables: [UInt32] = {
    let polynomial: UInt32 = 0x82F6_3B78  // Castagnoli, bit-reversed
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
      var crc = UInt32(byte)
      for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
      tables[byte] = crc
    }
    for k in 1..<8 {
      for byte in 0..<256 {
        let previous = tables[(k - 1) * 256 + byte]
        tables[k * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
      }
    }
    return tables
  }()
}
