import Raft

/// A Raft safety property the ``SafetyChecker`` enforces.
public enum Invariant: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
  /// At most one leader is elected in a term (Raft paper, Figure 3, Election Safety).
  case electionSafety
  /// Two logs that hold an entry with the same index and term hold the same entry there and are
  /// identical in all entries before it (Log Matching).
  case logMatching
  /// A leader's log holds every entry committed in an earlier term (Leader Completeness).
  case leaderCompleteness
  /// No two nodes commit or apply different entries at one index (State Machine Safety).
  case stateMachineSafety
  /// An entry is committed only once it is durable on a majority, so no crash can lose it; in
  /// particular a leader counts its own log only once its write is durable.
  case commitDurability
  /// A leader advances its commit index only to an entry of its current term; earlier entries
  /// commit with it (Raft paper, Figure 8).
  case currentTermCommit
  /// A node's commit index never moves backwards while it runs, and a restarted node starts no
  /// lower than the commit index it had made durable.
  case commitMonotonicity
  /// Each node applies indexes 1, 2, 3, … in order, each exactly once per lifetime.
  case applyOrder
  /// A command its proposer reported committed is never lost: in the end every node applied it
  /// at the index it was reported at.
  case committedProposalsKept
  /// Every linearizable read returns the value of the latest write that completed before the
  /// read began, or of a write concurrent with it (``LinearizabilityChecker``).
  case linearizableReads

  public var description: String {
    switch self {
    case .electionSafety: "election safety (at most one leader per term)"
    case .logMatching: "log matching"
    case .leaderCompleteness: "leader completeness"
    case .stateMachineSafety: "state machine safety"
    case .commitDurability: "commit durability (committed only once durable on a majority)"
    case .currentTermCommit: "current-term commit (Figure 8)"
    case .commitMonotonicity: "commit index monotonicity"
    case .applyOrder: "apply order (in order, once per lifetime)"
    case .committedProposalsKept: "no loss of a proposal reported committed"
    case .linearizableReads: "linearizable reads (no stale read)"
    }
  }
}

/// A broken ``Invariant``, with what exactly broke it.
public struct InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
  /// The property that broke.
  public var invariant: Invariant
  /// The nodes, indexes and entries involved.
  public var detail: String

  /// A violation of `invariant`, explained by `detail`.
  public init(_ invariant: Invariant, _ detail: String) {
    self.invariant = invariant
    self.detail = detail
  }

  public var description: String { "\(invariant) violated: \(detail)" }
}
