/// Why a linearizable read was not served. Every case is retryable: a read has no effect, so the
/// caller may simply ask again (on this node or, with the hint, on the leader).
public enum ReadError: Error, Hashable, Sendable, CustomStringConvertible {
  /// This node knows of no leader to confirm the read (an election is under way).
  case noLeader
  /// The node asked to confirm the read is not the leader; `leaderHint` names the leader it
  /// knows of, if any.
  case notLeader(leaderHint: NodeID?)
  /// The leader changed, or this node's role or term changed, before the read was confirmed.
  case leadershipLost
  /// No quorum confirmed the leadership within `ticks` ticks (an election timeout): the leader
  /// may be cut off in a minority, or the messages were lost.
  case timedOut(ticks: Int)

  public var isRetryable: Bool { true }

  public var description: String {
    switch self {
    case .noLeader: "no leader is known to confirm the read; retry after the election"
    case .notLeader(let leader?): "not the leader; the leader is node \(leader)"
    case .notLeader(nil): "not the leader and no leader is known"
    case .leadershipLost: "leadership changed before the read was confirmed; retry"
    case .timedOut(let ticks): "no quorum confirmed the leader within \(ticks) ticks; retry"
    }
  }
}
