/// How a leader finds the point where a follower's log diverges from its own after the
/// follower rejects an AppendEntries.
///
/// A strategy has two halves: the follower describes its conflict (``conflictHint(rejecting:in:)``)
/// and the leader picks the next index to probe (``nextIndex(afterRejectionAt:hint:leaderLog:)``).
/// Implementations must be pure functions of their inputs so the engine stays deterministic.
public protocol LogBacktracking: Sendable {
  /// A short name for logs, benchmarks and command lines.
  var name: String { get }

  /// Follower side: what to tell the leader when the entry at `rejectedIndex` is missing or
  /// has another term than the leader's. nil sends no hint.
  func conflictHint(rejecting rejectedIndex: LogIndex, in log: RaftLog) -> ConflictHint?

  /// Leader side: the next index to send from, after the follower rejected an AppendEntries
  /// whose `prevLogIndex` was `rejectedIndex`. The engine clamps the result to
  /// `matchIndex + 1 ... rejectedIndex`, so a strategy can never skip an entry the follower
  /// is known to hold nor loop forever.
  func nextIndex(afterRejectionAt rejectedIndex: LogIndex, hint: ConflictHint?, leaderLog: RaftLog) -> LogIndex
}
