/// The part of a node's state that must be durable before the node answers any message that
/// depends on it (Raft paper, Figure 2: currentTerm, votedFor), plus the commit index, so that a
/// restarted node can replay its log that far before it hears from a leader. The commit index
/// may be made durable lazily (see ``Storage``): it is volatile in the paper, and reads stay
/// linearizable without it because they go through ReadIndex.
public struct HardState: Hashable, Sendable, CustomStringConvertible {
  public var term: Term
  public var votedFor: NodeID?
  public var commitIndex: LogIndex

  public init(term: Term = .zero, votedFor: NodeID? = nil, commitIndex: LogIndex = .zero) {
    self.term = term
    self.votedFor = votedFor
    self.commitIndex = commitIndex
  }

  public var description: String {
    "term=\(term) vote=\(votedFor.map(String.init(describing:)) ?? "none") commit=\(commitIndex)"
  }
}

/// Everything a node needs to restart: what its ``Storage`` holds durably.
public struct PersistentState: Hashable, Sendable {
  public var hardState: HardState
  /// The durable log, contiguous: from index 1, or from the last compaction point on (which
  /// may lie before the snapshot's last included index, or after it if the log is empty).
  public var entries: [LogEntry]
  /// The latest complete, durable snapshot, if any.
  public var snapshot: SnapshotMetadata?

  public init(hardState: HardState = HardState(), entries: [LogEntry] = [], snapshot: SnapshotMetadata? = nil) {
    self.hardState = hardState
    self.entries = entries
    self.snapshot = snapshot
  }
}
