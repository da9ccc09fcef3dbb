/// Parses any RESP2 values from a byte stream: what a client reads back from a server.
///
/// Streaming: ``append(_:)`` what arrived, then call ``next()`` until it returns nil.
public struct RESPValueDecoder: Sendable {
  /// The limits in force.
  public let limits: RESPLimits
  private var buffer: [UInt8] = []
  private var position = 0

  /// An empty decoder; replies may carry larger bulk strings than requests.
  public init(limits: RESPLimits = RESPLimits(maximumBulkLength: 64 << 20)) { self.limits = limits }

  /// Adds bytes that arrived.
  public mutating func append(_ bytes: some Sequence<UInt8>) {
    if position > 0 && position * 2 >= buffer.count {
      buffer.removeFirst(position)
      position = 0
    }
    buffer.append(contentsOf: bytes)
  }

  /// The next complete value, or nil if more bytes are needed.
  /// - Throws: ``RESPProtocolError`` for malformed input; the decoder is then unusable.
  public mutating func next() throws(RESPProtocolError) -> RESPValue? {
    var cursor = position
    guard let value = try parse(at: &cursor, depth: 0) else { return nil }
    position = cursor
    return value
  }

  private func parse(at cursor: inout Int, depth: Int) throws(RESPProtocolError) -> RESPValue? {
    guard depth <= limits.maximumDepth else { throw RESPProtocolError("nested too deeply") }
    guard cursor < buffer.count else { return nil }
    let kind = buffer[cursor]
    guard let line = try line(at: &cursor) else { return nil }
    let body = line.dropFirst()
    switch kind {
    case UInt8(ascii: "+"): return .simpleString(String(decoding: body, as: UTF8.self))
    case UInt8(ascii: "-"): return .error(String(decoding: body, as: UTF8.self))
    case UInt8(ascii: ":"):
      guard let value = Int64(String(decoding: body, as: UTF8.self)) else { throw RESPProtocolError("invalid integer") }
      return .integer(value)
    case UInt8(ascii: "$"):
      let length = try RESPRequestDecoder.parseInteger(body, what: "bulk length")
      if length == -1 { return .null }
      guard length >= 0, length <= limits.maximumBulkLength else { throw RESPProtocolError("invalid bulk length") }
      guard buffer.count - cursor >= length + 2 else { return nil }
      guard buffer[cursor + length] == 13, buffer[cursor + length + 1] == 10 else {
        throw RESPProtocolError("bulk string not followed by CRLF")
      }
      let bytes = Array(buffer[cursor..<(cursor + length)])
      cursor += length + 2
      return .bulkString(bytes)
    case UInt8(ascii: "*"):
      let count = try RESPRequestDecoder.parseInteger(body, what: "multibulk length")
      if count == -1 { return .array(nil) }
      guard count >= 0, count <= limits.maximumArrayCount else { throw RESPProtocolError("invalid multibulk length") }
      var values: [RESPValue] = []
      values.reserveCapacity(count)
      for _ in 0..<count {
        guard let value = try parse(at: &cursor, depth: depth + 1) else { return nil }
        values.append(value)
      }
      return .array(values)
    default:
      throw RESPProtocolError("unexpected type byte '\(RESPRequestDecoder.printable(kind))'")
    }
  }

  private func line(at cursor: inout Int) throws(RESPProtocolError) -> ArraySlice<UInt8>? {
    let end = min(buffer.count, cursor + limits.maximumLineLength + 2)
    guard let newline = buffer[cursor..<end].firstIndex(of: 10) else {
      if buffer.count - cursor > limits.maximumLineLength { throw RESPProtocolError("too big line") }
      return nil
    }
    guard newline > cursor, buffer[newline - 1] == 13 else { throw RESPProtocolError("line not ended by CRLF") }
    let line = buffer[cursor..<(newline - 1)]
    cursor = newline + 1
    return line
  }
}
