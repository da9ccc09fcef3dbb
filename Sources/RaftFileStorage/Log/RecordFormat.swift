import Raft

/// How one log entry is framed in a segment:
///
/// ```
/// length  u32   bytes of the body
/// crc     u32   CRC-32C of the length field and the body
/// body:   index u64, term u64, kind u8, payload (length - 17 bytes)
/// ```
///
/// CRC-32C (Castagnoli) because it catches every burst error up to 32 bits and the bit flips a
/// disk or a torn write produce in records of this size, it is the checksum CPUs accelerate, and
/// the portable slicing-by-8 version in `Raft` runs at several GB/s, far above disk speed. The
/// length is covered too, so a damaged length is caught rather than followed to a wrong place.
enum RecordFormat {
  static let frameHeaderSize = 8
  static let bodyFixedSize = 17
  static let minimumRecordSize = frameHeaderSize + bodyFixedSize
  /// The largest record accepted: larger lengths are taken for damage rather than followed.
  static let maximumRecordSize = 256 << 20

  static func recordSize(payloadCount: Int) -> Int { minimumRecordSize + payloadCount }

  /// Appends the framed record of `entry` to `buffer`.
  static func append(_ entry: LogEntry, to buffer: inout [UInt8]) {
    let start = buffer.count
    let length = UInt32(bodyFixedSize + entry.payload.count)
    buffer.appendLittleEndian(length)
    buffer.appendLittleEndian(UInt32(0))  // the checksum, filled in below
    buffer.appendLittleEndian(entry.index.rawValue)
    buffer.appendLittleEndian(entry.term.rawValue)
    buffer.append(entry.kind.rawValue)
    buffer.append(contentsOf: entry.payload)
    let checksum = buffer.withUnsafeBytes { raw in
      var crc = CRC32C()
      crc.update(UnsafeRawBufferPointer(rebasing: raw[start..<start + 4]))
      crc.update(UnsafeRawBufferPointer(rebasing: raw[start + 8..<raw.count]))
      return crc.value
    }
    withUnsafeBytes(of: checksum.littleEndian) { bytes in
      for (offset, byte) in bytes.enumerated() { buffer[start + 4 + offset] = byte }
    }
  }

  /// What is at some offset of a segment.
  enum Decoded {
    /// A valid record of `size` bytes.
    case record(LogEntry, size: Int)
    /// The bytes end before the record does.
    case incomplete
    /// The bytes are not a valid record.
    case invalid(reason: String)

    var isRecord: Bool {
      if case .record = self { return true }
      return false
    }
  }

  /// Decodes the record at `offset` of `bytes`, checking its framing and checksum.
  static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int, maximumSize: Int) -> Decoded {
    let available = bytes.count - offset
    guard available >= frameHeaderSize else { return .incomplete }
    let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    guard length >= bodyFixedSize, length <= maximumSize else {
      return .invalid(reason: "implausible record length \(length)")
    }
    guard available >= frameHeaderSize + length else { return .incomplete }
    let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
    var crc = CRC32C()
    crc.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4]))
    let body = offset + frameHeaderSize
    crc.update(UnsafeRawBufferPointer(rebasing: bytes[body..<body + length]))
    guard crc.value == stored else { return .invalid(reason: "record checksum mismatch") }
    let index = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: body, as: UInt64.self))
    let term = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: body + 8, as: UInt64.self))
    guard let kind = EntryKind(rawValue: bytes[body + 16]) else {
      return .invalid(reason: "unknown entry kind \(bytes[body + 16])")
    }
    let payload = Array(UnsafeRawBufferPointer(rebasing: bytes[body + bodyFixedSize..<body + length]))
    return .record(
      LogEntry(index: LogIndex(index), term: Term(term), kind: kind, payload: payload),
      size: frameHeaderSize + length)
  }
}

/// The 32-byte header that starts every segment file:
///
/// ```
/// magic "SRLG" u32, format version u32, first index u64, reserved u64, crc u32 (of the
/// 24 bytes before it), padding u32
/// ```
///
/// The first index is also in the file name (so a listing sorts in log order); the header copy
/// catches a file renamed by hand.
enum SegmentHeader {
  static let size = 32
  static let magic: UInt32 = 0x5352_4C47  // "SRLG"

  static func encode(firstIndex: UInt64) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(magic)
    bytes.appendLittleEndian(UInt32(StorageFormat.version))
    bytes.appendLittleEndian(firstIndex)
    bytes.appendLittleEndian(UInt64(0))
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    bytes.appendLittleEndian(UInt32(0))
    return bytes
  }

  /// The first index the header records, or nil if the header is damaged or incomplete.
  static func decode(_ bytes: [UInt8]) -> UInt64? {
    guard bytes.count >= size, bytes.readLittleEndian(UInt32.self, at: 0) == magic,
      bytes.readLittleEndian(UInt32.self, at: 4) == UInt32(StorageFormat.version),
      bytes.readLittleEndian(UInt32.self, at: 24) == CRC32C.checksum(bytes[0..<24])
    else { return nil }
    return bytes.readLittleEndian(UInt64.self, at: 8)
  }
}
