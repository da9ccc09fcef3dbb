import Raft

/// Why a ``RaftNode`` call did not succeed.
///
/// ``isRetryable`` says whether the same call may succeed later (on this node or, after
/// ``notLeader(leaderHint:)``, on the leader). A proposal that failed with
/// ``leadershipLost(term:)`` or ``stopping`` may still have committed: give commands an
/// idempotency key (client id and sequence number) when retrying matters.
public enum RaftNodeError: Error, Hashable, Sendable, CustomStringConvertible {
  /// This node is not the leader. `leaderHint` names the leader it knows of; nil means no
  /// leader is known (an election is under way): retry shortly.
  case notLeader(leaderHint: NodeID?)
  /// The node stopped leading (its term moved past `term`) before the proposal committed: the
  /// command may or may not commit under the next leader. For a read: leadership changed, or no
  /// quorum confirmed it within an election timeout, before the read was confirmed.
  case leadershipLost(term: Term)
  /// The leader holds its limit of uncommitted bytes (a slow quorum): retry once some commit.
  case uncommittedLogFull(limitBytes: Int)
  /// The node is stopping or stopped and takes no more work.
  case stopping
  /// The node is not started yet.
  case notStarted
  /// Storage failed; the node stopped, since it can no longer keep its promises. Not retryable
  /// on this node.
  case storageFailed(String)

  /// Whether trying again (here or on the leader) can succeed.
  public var isRetryable: Bool {
    switch self {
    case .notLeader, .leadershipLost, .uncommittedLogFull, .stopping, .notStarted: true
    case .storageFailed: false
    }
  }

  init(_ error: ProposalError) {
    switch error {
    case .notLeader(let leader): self = .notLeader(leaderHint: leader)
    case .uncommittedLogFull(let limit): self = .uncommittedLogFull(limitBytes: limit)
    case .noLeader: self = .notLeader(leaderHint: nil)
    // Leadership is moving to `target`: the client retries there.
    case .leadershipTransferInProgress(let target): self = .notLeader(leaderHint: target)
    // RaftNode settles forwarded outcomes itself (as leadershipLost: it may have committed);
    // this is only a fallback.
    case .forwardedOutcomeUnknown: self = .notLeader(leaderHint: nil)
    }
  }

  /// Why a read was not served; `term` is this node's term when it failed.
  init(_ error: ReadError, term: Term) {
    switch error {
    case .noLeader: self = .notLeader(leaderHint: nil)
    case .notLeader(let leader): self = .notLeader(leaderHint: leader)
    case .leadershipLost: self = .leadershipLost(term: term)
    // No quorum confirmed the leadership within an election timeout: as far as this read can
    // tell, the leadership is lost (the leader may be cut off in a minority).
    case .timedOut: self = .leadershipLost(term: term)
    }
  }

  public var description: String {
    switch self {
    case .notLeader(let leader?): "not the leader; the leader is node \(leader)"
    case .notLeader(nil): "not the leader and no leader is known; retry shortly"
    case .leadershipLost(let term):
      "leadership of term \(term) was lost first; a proposal may still commit, a read was not served"
    case .uncommittedLogFull(let limit): "the leader holds its limit of \(limit) uncommitted bytes; retry later"
    case .stopping: "the node is stopping"
    case .notStarted: "the node is not started"
    case .storageFailed(let reason): "storage failed: \(reason)"
    }
  }
}
