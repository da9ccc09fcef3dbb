/// One RESP2 value: what the Redis protocol carries in each direction.
public enum RESPValue: Hashable, Sendable {
  /// `+text`: a short status reply such as `OK` or `PONG`; must not contain CR or LF.
  case simpleString(String)
  /// `-text`: an error reply whose first word is its kind (`ERR`, `TRYAGAIN`); no CR or LF.
  case error(String)
  /// `:n`.
  case integer(Int64)
  /// `$n` and n bytes; nil is the null bulk string (`$-1`), Redis's "no value".
  case bulkString([UInt8]?)
  /// `*n` and n values; nil is the null array (`*-1`).
  case array([RESPValue]?)

  /// The null bulk string, `$-1`.
  public static let null = RESPValue.bulkString(nil)
  /// `+OK`.
  public static let ok = RESPValue.simpleString("OK")

  /// A bulk string holding `text` as UTF-8.
  public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

  /// The value's wire form.
  public var encoded: [UInt8] {
    var bytes: [UInt8] = []
    encode(into: &bytes)
    return bytes
  }

  /// Appends the value's wire form to `bytes`. CR and LF inside simple strings and errors are
  /// replaced by spaces, so a reply can never break the framing.
  public func encode(into bytes: inout [UInt8]) {
    switch self {
    case .simpleString(let text): Self.appendLine(UInt8(ascii: "+"), text, to: &bytes)
    case .error(let text): Self.appendLine(UInt8(ascii: "-"), text, to: &bytes)
    case .integer(let value): Self.appendLine(UInt8(ascii: ":"), String(value), to: &bytes)
    case .bulkString(nil): bytes.append(contentsOf: "$-1\r\n".utf8)
    case .bulkString(let value?):
      Self.appendLine(UInt8(ascii: "$"), String(value.count), to: &bytes)
      bytes.append(contentsOf: value)
      bytes.append(contentsOf: [13, 10])
    case .array(nil): bytes.append(contentsOf: "*-1\r\n".utf8)
    case .array(let values?):
      Self.appendLine(UInt8(ascii: "*"), String(values.count), to: &bytes)
      for value in values { value.encode(into: &bytes) }
    }
  }

  /// A command as clients send it: an array of bulk strings.
  public static func command(_ arguments: [String]) -> RESPValue {
    .array(arguments.map { .bulk($0) })
  }

  /// The text of a simple string, error or bulk string.
  public var text: String? {
    switch self {
    case .simpleString(let text), .error(let text): text
    case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
    default: nil
    }
  }

  private static func appendLine(_ prefix: UInt8, _ text: String, to bytes: inout [UInt8]) {
    bytes.append(prefix)
    for byte in text.utf8 { bytes.append(byte == 13 || byte == 10 ? 32 : byte) }
    bytes.append(contentsOf: [13, 10])
  }
}
