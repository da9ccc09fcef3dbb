/// Why the engine refused a proposal. Every case is retryable: the same command may succeed
/// later, on this node or on the leader.
public enum ProposalError: Error, Hashable, Sendable, CustomStringConvertible {
  /// This node is not the leader; `leaderHint` names the leader it knows of, if any.
  case notLeader(leaderHint: NodeID?)
  /// The leader already holds `limitBytes` of uncommitted entries (a slow quorum, or none):
  /// retry once some commit.
  case uncommittedLogFull(limitBytes: Int)

  public var isRetryable: Bool { true }

  public var description: String {
    switch self {
    case .notLeader(let leader?): "not the leader; the leader is node \(leader)"
    case .notLeader(nil): "not the leader and no leader is known"
    case .uncommittedLogFull(let limit): "the leader holds its limit of \(limit) uncommitted bytes; retry later"
    }
  }
}
