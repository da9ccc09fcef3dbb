/// Why the engine refused a proposal. Every case is retryable: the same command may succeed
/// later, on this node or on the leader.
public enum ProposalError: Error, Hashable, Sendable, CustomStringConvertible {
  /// This node is not the leader; `leaderHint` names the leader it knows of, if any.
  case notLeader(leaderHint: NodeID?)
  /// The leader already holds `limitBytes` of uncommitted entries (a slow quorum, or none):
  /// retry once some commit.
  case uncommittedLogFull(limitBytes: Int)
  /// This node knows of no leader to forward the proposal to (an election is under way).
  case noLeader
  /// The leader is handing its leadership to `target` and takes no proposals meanwhile; retry
  /// on the new leader (at most an election timeout away).
  case leadershipTransferInProgress(to: NodeID)
  /// A forwarded proposal got no answer from the leader it went to (lost messages, or a leader
  /// change): the command may or may not commit. Retry only if the command is idempotent
  /// (for example, carries a client id and sequence number the state machine deduplicates).
  case forwardedOutcomeUnknown

  public var isRetryable: Bool { true }

  public var description: String {
    switch self {
    case .notLeader(let leader?): "not the leader; the leader is node \(leader)"
    case .notLeader(nil): "not the leader and no leader is known"
    case .uncommittedLogFull(let limit): "the leader holds its limit of \(limit) uncommitted bytes; retry later"
    case .noLeader: "no leader is known to forward the proposal to; retry after the election"
    case .leadershipTransferInProgress(let target): "leadership is moving to node \(target); retry there"
    case .forwardedOutcomeUnknown:
      "the leader did not answer the forwarded proposal; it may or may not commit (retry only if idempotent)"
    }
  }
}
