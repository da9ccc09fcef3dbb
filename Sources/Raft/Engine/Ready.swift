/// Identifies one ``PersistenceRequest``. Identifiers increase by one per request.
public struct PersistenceID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (lhs: PersistenceID, rhs: PersistenceID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { "#\(rawValue)" }
}

/// State the engine needs made durable. Requests must become durable in the order the engine
/// issues them; acknowledge with ``RaftEngine/acknowledgePersisted(through:)``.
public struct PersistenceRequest: Hashable, Sendable {
  public var id: PersistenceID
  /// The new hard state, if it changed since the previous request.
  public var hardState: HardState?
  /// Entries to write. If the first one's index is at or below the last stored index, the
  /// stored entries from that index on are replaced (a conflict with the leader's log).
  public var entries: [LogEntry]
  /// Snapshot writes of a follower receiving a snapshot, applied before everything else in
  /// this request.
  public var snapshotWrites: [SnapshotWrite]
  /// Discard stored entries through this index (covered by the durable snapshot), applied
  /// after `snapshotWrites` and before `entries`.
  public var compactThrough: LogIndex?

  public init(
    id: PersistenceID, hardState: HardState?, entries: [LogEntry], snapshotWrites: [SnapshotWrite] = [],
    compactThrough: LogIndex? = nil
  ) {
    self.id = id
    self.hardState = hardState
    self.entries = entries
    self.snapshotWrites = snapshotWrites
    self.compactThrough = compactThrough
  }
}

/// What the engine asks its caller to do after the inputs since the last call to
/// ``RaftEngine/ready()``.
///
/// Do the parts independently, in any order, with one exception: restore ``snapshotToRestore``,
/// then apply `committedEntries`, then take ``snapshotToTake``. `messages` and
/// `snapshotChunks` are already safe to send (the engine itself holds back any message that
/// depends on unacknowledged persistence), and `committedEntries` are committed and durable
/// locally.
public struct Ready: Sendable {
  /// Write this, then acknowledge it.
  public var persistence: PersistenceRequest?
  /// Send these to their destinations.
  public var messages: [Message] = []
  /// Apply these in order (command entries go to the state machine; the others are internal).
  public var committedEntries: [LogEntry] = []
  /// Restore the state machine from this stored snapshot (a complete, durable one received
  /// from the leader, or the latest one after a restart) *before* applying `committedEntries`,
  /// which follow it.
  public var snapshotToRestore: SnapshotMetadata?
  /// After applying `committedEntries`, have the state machine write a snapshot into storage
  /// (``Storage/beginSnapshot(_:)``), then report it with ``RaftEngine/snapshotTaken(_:)`` or
  /// ``RaftEngine/snapshotFailed()``.
  public var snapshotToTake: SnapshotRequest?
  /// Snapshot chunks to read from storage and send (``OutgoingSnapshotChunk/message(data:)``).
  /// A chunk that cannot be read any more (a newer snapshot replaced it) is dropped: the
  /// transfer recovers as from a lost message.
  public var snapshotChunks: [OutgoingSnapshotChunk] = []

  public init(
    persistence: PersistenceRequest? = nil, messages: [Message] = [], committedEntries: [LogEntry] = [],
    snapshotToRestore: SnapshotMetadata? = nil, snapshotToTake: SnapshotRequest? = nil,
    snapshotChunks: [OutgoingSnapshotChunk] = []
  ) {
    self.persistence = persistence
    self.messages = messages
    self.committedEntries = committedEntries
    self.snapshotToRestore = snapshotToRestore
    self.snapshotToTake = snapshotToTake
    self.snapshotChunks = snapshotChunks
  }

  public var isEmpty: Bool {
    persistence == nil && messages.isEmpty && committedEntries.isEmpty && snapshotToRestore == nil
      && snapshotToTake == nil && snapshotChunks.isEmpty
  }
}
