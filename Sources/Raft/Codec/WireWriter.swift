/// Appends fixed-width little-endian fields to a byte buffer, the only way the codec writes.
///
/// Encoding appends to one growing buffer so that a batch of frames costs one allocation.
public struct WireWriter: Sendable {
  /// The bytes written so far.
  public var bytes: [UInt8]

  /// Starts writing into `bytes`, after what it already holds.
  public init(bytes: [UInt8] = []) { self.bytes = bytes }

  /// Appends one byte.
  @inlinable public mutating func write(_ value: UInt8) { bytes.append(value) }

  /// Appends four bytes, little-endian.
  @inlinable public mutating func write(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Appends eight bytes, little-endian.
  @inlinable public mutating func write(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Appends a boolean as one byte, 0 or 1.
  @inlinable public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

  /// Appends a 4-byte length and then the bytes.
  @inlinable public mutating func writeLengthPrefixed(_ value: [UInt8]) {
    write(UInt32(truncatingIfNeeded: value.count))
    bytes.append(contentsOf: value)
  }

  /// Overwrites four bytes at `offset` (used to fill in a length or checksum after the body).
  @inlinable public mutating func patch(_ value: UInt32, at offset: Int) {
    withUnsafeBytes(of: value.littleEndian) { source in
      for i in 0..<4 { bytes[offset + i] = source[i] }
    }
  }
}
