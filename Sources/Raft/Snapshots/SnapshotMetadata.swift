/// What identifies a snapshot and lets a receiver check it: the log position it replaces, the
/// membership at that point, and the size and checksum of its content.
///
/// Two snapshots are the same snapshot only if all fields are equal: state machines may encode
/// the same state in different bytes (a dictionary's order), so a follower resumes a transfer
/// only from a leader offering exactly the metadata it was receiving.
public struct SnapshotMetadata: Hashable, Sendable, CustomStringConvertible {
  /// The last log index the snapshot covers: the state after applying every entry through it.
  public var lastIncludedIndex: LogIndex
  /// The term of the entry at ``lastIncludedIndex``.
  public var lastIncludedTerm: Term
  /// The voting members of the cluster as of ``lastIncludedIndex``, sorted.
  public var members: [NodeID]
  /// The content's length in bytes.
  public var size: UInt64
  /// The CRC-32C of the content (see ``CRC32C``).
  public var checksum: UInt32

  /// Metadata as a storage computes it when a snapshot is finished.
  public init(lastIncludedIndex: LogIndex, lastIncludedTerm: Term, members: [NodeID], size: UInt64, checksum: UInt32) {
    self.lastIncludedIndex = lastIncludedIndex
    self.lastIncludedTerm = lastIncludedTerm
    self.members = members
    self.size = size
    self.checksum = checksum
  }

  public var description: String {
    "snapshot \(lastIncludedIndex)@\(lastIncludedTerm) size=\(size) crc=\(String(checksum, radix: 16))"
  }
}

/// The point a snapshot is to be taken at: what the engine asks the caller for in
/// ``Ready/snapshotToTake``.
public struct SnapshotRequest: Hashable, Sendable, CustomStringConvertible {
  /// The applied index the state machine is at once the `Ready`'s committed entries are applied.
  public var index: LogIndex
  /// The term of the entry at `index`.
  public var term: Term
  /// The cluster's members at `index`.
  public var members: [NodeID]

  /// A request for a snapshot of the state at `index`.
  public init(index: LogIndex, term: Term, members: [NodeID]) {
    self.index = index
    self.term = term
    self.members = members
  }

  public var description: String { "take snapshot at \(index)@\(term)" }
}
