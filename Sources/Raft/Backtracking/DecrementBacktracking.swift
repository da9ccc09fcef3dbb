/// The Raft paper's rule: after a rejection, retry one entry earlier. One round trip per
/// divergent entry.
public struct DecrementBacktracking: LogBacktracking {
  public init() {}

  public var name: String { "decrement" }

  public func conflictHint(rejecting rejectedIndex: LogIndex, in log: RaftLog) -> ConflictHint? { nil }

  public func nextIndex(afterRejectionAt rejectedIndex: LogIndex, hint: ConflictHint?, leaderLog: RaftLog) -> LogIndex {
    // The rejected request started at rejectedIndex + 1; the next one starts one entry earlier.
    rejectedIndex
  }
}

extension LogBacktracking where Self == DecrementBacktracking {
  /// The paper's one-entry decrement.
  public static var decrement: DecrementBacktracking { DecrementBacktracking() }
}
