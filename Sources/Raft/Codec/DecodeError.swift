/// Why bytes from the network are not a valid frame. Decoding reports these instead of
/// trapping, whatever the input: a transport closes the connection that sent them and logs the
/// reason, and the bytes never reach the engine.
public enum DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The input ended `needed` bytes into a field with only `available` bytes left.
  case truncated(needed: Int, available: Int)
  /// A frame announced `length` bytes, more than the receiver's `limit`.
  case oversized(length: Int, limit: Int)
  /// A frame announced `length` bytes, fewer than any frame's fixed header.
  case undersized(length: Int)
  /// The frame's checksum does not match its contents (corruption or garbage bytes).
  case checksumMismatch(expected: UInt32, actual: UInt32)
  /// The frame was written by a codec version this build does not read.
  case unsupportedVersion(UInt8)
  /// The frame's kind byte names no frame kind this version knows.
  case unknownKind(UInt8)
  /// A field holds a value its type does not allow (an unknown enum case, a flag bit, bad UTF-8).
  case invalidValue(field: String, value: UInt64)
  /// The body decoded completely with `count` bytes left over.
  case trailingBytes(count: Int)

  public var description: String {
    switch self {
    case .truncated(let needed, let available): "truncated: needed \(needed) bytes, \(available) available"
    case .oversized(let length, let limit): "oversized frame: \(length) bytes, limit \(limit)"
    case .undersized(let length): "frame length \(length) is below the fixed header size"
    case .checksumMismatch(let expected, let actual):
      "checksum mismatch: frame says \(String(expected, radix: 16)), contents give \(String(actual, radix: 16))"
    case .unsupportedVersion(let version): "unsupported codec version \(version)"
    case .unknownKind(let kind): "unknown frame kind \(kind)"
    case .invalidValue(let field, let value): "invalid value \(value) for \(field)"
    case .trailingBytes(let count): "\(count) unexpected bytes after the frame body"
    }
  }
}
