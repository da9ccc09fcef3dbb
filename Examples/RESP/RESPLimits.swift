/// Bounds on what a peer may send, so a bad or hostile client cannot make a server buffer
/// without end.
public struct RESPLimits: Hashable, Sendable {
  /// The longest bulk string accepted. A longer one in a request is skipped and answered with an
  /// error; the connection stays usable.
  public var maximumBulkLength: Int
  /// The most elements in one array. More is a framing error (the connection closes).
  public var maximumArrayCount: Int
  /// The longest line: an inline command or a `+`, `-`, `:`, `$` or `*` header. Longer is a
  /// framing error.
  public var maximumLineLength: Int
  /// The deepest nesting of arrays in a reply (requests are never nested).
  public var maximumDepth: Int

  /// - Parameters:
  ///   - maximumBulkLength: 1 MiB by default.
  public init(
    maximumBulkLength: Int = 1 << 20, maximumArrayCount: Int = 1 << 16, maximumLineLength: Int = 64 << 10,
    maximumDepth: Int = 16
  ) {
    self.maximumBulkLength = maximumBulkLength
    self.maximumArrayCount = maximumArrayCount
    self.maximumLineLength = maximumLineLength
    self.maximumDepth = maximumDepth
  }
}

/// Input that is not valid RESP2. After a framing error the rest of the stream cannot be
/// trusted: reply with the error and close the connection.
public struct RESPProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong, for the error reply.
  public var reason: String

  /// A framing error; `reason` follows "Protocol error: " in the reply.
  public init(_ reason: String) { self.reason = reason }

  public var description: String { "Protocol error: \(reason)" }
}
