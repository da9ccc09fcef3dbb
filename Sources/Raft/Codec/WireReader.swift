/// Reads fixed-width little-endian fields from a byte buffer, checking every bound.
///
/// Every read throws ``DecodeError/truncated(needed:available:)`` instead of reading past
/// the end, so no input can make decoding trap or read foreign memory.
public struct WireReader {
  private let buffer: UnsafeRawBufferPointer
  /// How many bytes have been read.
  public private(set) var offset = 0

  /// Reads `buffer`, which must stay valid while the reader is used.
  public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

  /// The bytes not read yet.
  public var remaining: Int { buffer.count - offset }

  private mutating func take(_ count: Int) throws(DecodeError) -> Int {
    guard count >= 0, count <= remaining else { throw .truncated(needed: count, available: remaining) }
    defer { offset += count }
    return offset
  }

  /// Reads one byte.
  public mutating func readUInt8() throws(DecodeError) -> UInt8 {
    buffer[try take(1)]
  }

  /// Reads four bytes, little-endian.
  public mutating func readUInt32() throws(DecodeError) -> UInt32 {
    UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
  }

  /// Reads eight bytes, little-endian.
  public mutating func readUInt64() throws(DecodeError) -> UInt64 {
    UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
  }

  /// Reads a boolean byte; anything but 0 or 1 is invalid, so garbage is caught early.
  public mutating func readBool(field: String) throws(DecodeError) -> Bool {
    switch try readUInt8() {
    case 0: return false
    case 1: return true
    case let other: throw .invalidValue(field: field, value: UInt64(other))
    }
  }

  /// Reads `count` raw bytes.
  public mutating func readBytes(_ count: Int) throws(DecodeError) -> [UInt8] {
    let start = try take(count)
    return Array(UnsafeRawBufferPointer(rebasing: buffer[start..<start + count]))
  }

  /// Reads a 4-byte length and then that many bytes. The length is checked against what is
  /// left before anything is allocated, so a forged length cannot exhaust memory.
  public mutating func readLengthPrefixed() throws(DecodeError) -> [UInt8] {
    let count = Int(try readUInt32())
    return try readBytes(count)
  }

  /// Reads a 4-byte element count for elements at least `minimumElementSize` bytes long,
  /// rejecting a count the remaining bytes could not hold.
  public mutating func readCount(minimumElementSize: Int) throws(DecodeError) -> Int {
    let count = Int(try readUInt32())
    let needed = count.multipliedReportingOverflow(by: max(minimumElementSize, 1))
    guard !needed.overflow, needed.partialValue <= remaining else {
      throw .truncated(needed: needed.overflow ? Int.max : needed.partialValue, available: remaining)
    }
    return count
  }

  /// Throws unless every byte was read.
  public func expectEnd() throws(DecodeError) {
    if remaining != 0 { throw .trailingBytes(count: remaining) }
  }
}
