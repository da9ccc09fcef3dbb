/// A value with a binary form inside a frame body. Each message body type conforms once, so
/// every transport shares the same encoding.
///
/// `decode` must consume exactly what `encode` wrote and throw, never trap, on anything else.
public protocol WireBody {
  /// Appends the value's fields.
  func encode(to writer: inout WireWriter)
  /// Reads the fields `encode` wrote.
  static func decode(from reader: inout WireReader) throws(DecodeError) -> Self
}
