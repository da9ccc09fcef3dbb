/// Fast backtracking with the follower's conflict hint (XTerm, XIndex, XLen): one round trip
/// per divergent term rather than per entry.
///
/// - The follower's log is too short: continue right after its last entry (XLen).
/// - The leader holds entries of the conflicting term: continue after its last one.
/// - Otherwise skip the follower's whole conflicting term (XIndex).
public struct ConflictHintBacktracking: LogBacktracking {
  public init() {}

  public var name: String { "conflict-hint" }

  public func conflictHint(rejecting rejectedIndex: LogIndex, in log: RaftLog) -> ConflictHint? {
    guard let conflictTerm = log.term(at: rejectedIndex), rejectedIndex >= log.firstIndex else {
      return ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: .zero, lastLogIndex: log.lastIndex)
    }
    return ConflictHint(
      conflictTerm: conflictTerm,
      firstIndexOfConflictTerm: log.firstIndex(ofTermAt: rejectedIndex),
      lastLogIndex: log.lastIndex
    )
  }

  public func nextIndex(afterRejectionAt rejectedIndex: LogIndex, hint: ConflictHint?, leaderLog: RaftLog) -> LogIndex {
    guard let hint else { return rejectedIndex }
    guard let conflictTerm = hint.conflictTerm else { return hint.lastLogIndex + 1 }
    if let last = leaderLog.lastIndex(ofTerm: conflictTerm, atOrBelow: rejectedIndex) {
      return last + 1
    }
    return hint.firstIndexOfConflictTerm
  }
}

extension LogBacktracking where Self == ConflictHintBacktracking {
  /// The XTerm / XIndex / XLen conflict hint.
  public static var conflictHint: ConflictHintBacktracking { ConflictHintBacktracking() }
}
