/// The last write applied for each client session, so that a write retried after a leader
/// change (same client id and sequence number) returns its first response instead of applying
/// again.
///
/// Part of the replicated state: every replica builds the same table from the log. A session
/// idle for ``idleLimitMilliseconds`` of log time (the leaders' clocks written into the
/// entries) is forgotten, the same way on every replica, so the table stays bounded while
/// clients come and go; the server retries a write for seconds, far less than that.
public struct SessionTable: Hashable, Sendable {
  struct Last: Hashable, Sendable {
    var sequence: UInt64
    var response: [UInt8]
    var lastUsedMilliseconds: UInt64 = 0
  }

  var sessions: [UInt64: Last] = [:]
  /// The log time of the last sweep for idle sessions.
  var lastSweepMilliseconds: UInt64 = 0

  /// How long a session is remembered without writes: one hour.
  public static let idleLimitMilliseconds: UInt64 = 3_600_000

  /// No sessions.
  public init() {}

  /// How many sessions are remembered.
  public var count: Int { sessions.count }

  /// The answer to request `sequence` of session `clientID` if it was applied already (its
  /// first response), nil if it is new and must be applied. Requests with client id or
  /// sequence 0 are never deduplicated.
  ///
  /// A session's requests must be applied in sequence order (the server sends one write per
  /// session at a time), so any sequence at or below the last one is a retry.
  public func previousResponse(clientID: UInt64, sequence: UInt64) -> [UInt8]? {
    guard clientID != 0, sequence != 0, let last = sessions[clientID], sequence <= last.sequence else { return nil }
    return sequence == last.sequence ? last.response : Self.staleRetry
  }

  /// Remembers the response to a newly applied request, applied at log time `now`, and
  /// forgets sessions idle for longer than ``idleLimitMilliseconds``.
  public mutating func record(clientID: UInt64, sequence: UInt64, response: [UInt8], now: UInt64) {
    guard clientID != 0, sequence != 0 else { return }
    sessions[clientID] = Last(sequence: sequence, response: response, lastUsedMilliseconds: now)
    // Sweep at most once per tenth of the limit, so the cost is spread thin.
    if now >= lastSweepMilliseconds + Self.idleLimitMilliseconds / 10 {
      lastSweepMilliseconds = now
      if now > Self.idleLimitMilliseconds {
        let horizon = now - Self.idleLimitMilliseconds
        sessions = sessions.filter { $0.value.lastUsedMilliseconds >= horizon }
      }
    }
  }

  /// The reply to a retry older than the session's last write; its response is gone.
  static let staleRetry = Array("-ERR request superseded by a newer one of its session\r\n".utf8)
}
