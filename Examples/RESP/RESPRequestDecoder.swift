/// What a client sent, one request at a time.
public enum RESPRequest: Hashable, Sendable {
  /// A command and its arguments (never empty).
  case command([[UInt8]])
  /// A request with an argument over ``RESPLimits/maximumBulkLength``; its bytes were skipped.
  /// Answer with an error; the connection stays usable.
  case tooLarge(length: Int, limit: Int)
}

/// Splits a client's byte stream into requests: RESP arrays of bulk strings (what client
/// libraries and `redis-cli` send) or inline commands (a line of words, as typed into `nc`).
///
/// Streaming: ``append(_:)`` what arrived, then call ``next()`` until it returns nil. Pipelined
/// requests come out in order. Memory is bounded by ``RESPLimits``.
public struct RESPRequestDecoder: Sendable {
  private enum State: Sendable {
    case start
    /// Inside a `*n` request: `remaining` arguments to read.
    case arguments(remaining: Int, collected: [[UInt8]], oversized: Int?)
    /// Reading a bulk argument of `length` bytes (plus CRLF).
    case bulk(length: Int, remaining: Int, collected: [[UInt8]], oversized: Int?)
    /// Dropping the bytes of an oversized argument (plus CRLF), then more arguments.
    case skipping(bytes: Int, remaining: Int, length: Int)
  }

  /// The limits in force.
  public let limits: RESPLimits
  private var buffer: [UInt8] = []
  private var position = 0
  private var state = State.start

  /// An empty decoder.
  public init(limits: RESPLimits = RESPLimits()) { self.limits = limits }

  /// Bytes received and not yet decoded.
  public var bufferedByteCount: Int { buffer.count - position }

  /// Adds bytes that arrived.
  public mutating func append(_ bytes: some Sequence<UInt8>) {
    if position > 0 && position * 2 >= buffer.count {
      buffer.removeFirst(position)
      position = 0
    }
    buffer.append(contentsOf: bytes)
  }

  /// The next complete request, or nil if more bytes are needed.
  /// - Throws: ``RESPProtocolError`` for malformed framing; the decoder is then unusable.
  public mutating func next() throws(RESPProtocolError) -> RESPRequest? {
    while true {
      switch state {
      case .start:
        guard position < buffer.count else { return nil }
        if buffer[position] != UInt8(ascii: "*") {
          guard let line = try readLine() else { return nil }
          let words = line.split(whereSeparator: { $0 == 32 || $0 == 9 }).map { Array($0) }
          if words.isEmpty { continue }
          return .command(words)
        }
        guard let line = try readLine() else { return nil }
        let count = try Self.parseInteger(line.dropFirst(), what: "multibulk length")
        guard count <= limits.maximumArrayCount else { throw RESPProtocolError("invalid multibulk length") }
        if count <= 0 { continue }
        state = .arguments(remaining: count, collected: [], oversized: nil)
      case .arguments(let remaining, let collected, let oversized):
        if remaining == 0 {
          state = .start
          if let oversized { return .tooLarge(length: oversized, limit: limits.maximumBulkLength) }
          return .command(collected)
        }
        guard position < buffer.count else { return nil }
        guard buffer[position] == UInt8(ascii: "$") else {
          throw RESPProtocolError("expected '$', got '\(Self.printable(buffer[position]))'")
        }
        guard let line = try readLine() else { return nil }
        let length = try Self.parseInteger(line.dropFirst(), what: "bulk length")
        guard length >= 0 && length <= Int(Int32.max) else { throw RESPProtocolError("invalid bulk length") }
        if length > limits.maximumBulkLength || oversized != nil {
          state = .skipping(bytes: length + 2, remaining: remaining - 1, length: oversized ?? length)
        } else {
          state = .bulk(length: length, remaining: remaining - 1, collected: collected, oversized: nil)
        }
      case .bulk(let length, let remaining, var collected, _):
        guard buffer.count - position >= length + 2 else { return nil }
        guard buffer[position + length] == 13, buffer[position + length + 1] == 10 else {
          throw RESPProtocolError("bulk string not followed by CRLF")
        }
        collected.append(Array(buffer[position..<(position + length)]))
        position += length + 2
        state = .arguments(remaining: remaining, collected: collected, oversized: nil)
      case .skipping(let bytes, let remaining, let length):
        let available = min(bytes, buffer.count - position)
        position += available
        if available < bytes {
          state = .skipping(bytes: bytes - available, remaining: remaining, length: length)
          return nil
        }
        state = .arguments(remaining: remaining, collected: [], oversized: length)
      }
    }
  }

  /// The line at the read position without its CRLF (or LF), or nil if it is not complete.
  private mutating func readLine() throws(RESPProtocolError) -> ArraySlice<UInt8>? {
    let end = min(buffer.count, position + limits.maximumLineLength + 2)
    guard let newline = buffer[position..<end].firstIndex(of: 10) else {
      if buffer.count - position > limits.maximumLineLength { throw RESPProtocolError("too big request line") }
      return nil
    }
    var lineEnd = newline
    if lineEnd > position && buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
    let line = buffer[position..<lineEnd]
    position = newline + 1
    return line
  }

  static func parseInteger(_ digits: ArraySlice<UInt8>, what: String) throws(RESPProtocolError) -> Int {
    guard let value = Int(String(decoding: digits, as: UTF8.self)) else {
      throw RESPProtocolError("invalid \(what)")
    }
    return value
  }

  static func printable(_ byte: UInt8) -> String {
    (32..<127).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
  }
}
