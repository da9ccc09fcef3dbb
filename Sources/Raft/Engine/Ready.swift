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
  /// The snapshot writes and compaction, which most requests have none of: one reference, so
  /// that copying a request costs the hot path next to nothing for them.
  private var snapshotPart: SnapshotStoragePart?

  /// Snapshot writes of a follower receiving a snapshot, applied before everything else in
  /// this request.
  public var snapshotWrites: [SnapshotWrite] {
    get { snapshotPart?.writes ?? [] }
    set { snapshotPart = SnapshotStoragePart.make(writes: newValue, compactThrough: compactThrough) }
  }
  /// Discard stored entries through this index (covered by the durable snapshot), applied
  /// after `snapshotWrites` and before `entries`.
  public var compactThrough: LogIndex? {
    get { snapshotPart?.compactThrough }
    set { snapshotPart = SnapshotStoragePart.make(writes: snapshotWrites, compactThrough: newValue) }
  }

  /// A request; the snapshot parts default to none.
  public init(
    id: PersistenceID, hardState: HardState?, entries: [LogEntry], snapshotWrites: [SnapshotWrite] = [],
    compactThrough: LogIndex? = nil
  ) {
    self.id = id
    self.hardState = hardState
    self.entries = entries
    self.snapshotPart = SnapshotStoragePart.make(writes: snapshotWrites, compactThrough: compactThrough)
  }

  public static func == (lhs: PersistenceRequest, rhs: PersistenceRequest) -> Bool {
    lhs.id == rhs.id && lhs.hardState == rhs.hardState && lhs.entries == rhs.entries
      && lhs.snapshotWrites == rhs.snapshotWrites && lhs.compactThrough == rhs.compactThrough
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(id)
    hasher.combine(hardState)
    hasher.combine(entries)
    hasher.combine(snapshotWrites)
    hasher.combine(compactThrough)
  }
}

/// The snapshot parts of a ``PersistenceRequest``, boxed.
private final class SnapshotStoragePart: Sendable {
  let writes: [SnapshotWrite]
  let compactThrough: LogIndex?

  private init(writes: [SnapshotWrite], compactThrough: LogIndex?) {
    self.writes = writes
    self.compactThrough = compactThrough
  }

  /// nil when there is nothing to write, without allocating.
  static func make(writes: [SnapshotWrite], compactThrough: LogIndex?) -> SnapshotStoragePart? {
    guard !writes.isEmpty || compactThrough != nil else { return nil }
    return SnapshotStoragePart(writes: writes, compactThrough: compactThrough)
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
  /// The snapshot work, which most calls have none of: one reference, so that copying and
  /// destroying a `Ready` costs the hot path next to nothing for it.
  private var snapshotWork: SnapshotWork?

  /// Restore the state machine from this stored snapshot (a complete, durable one received
  /// from the leader, or the latest one after a restart) *before* applying `committedEntries`,
  /// which follow it.
  public var snapshotToRestore: SnapshotMetadata? {
    get { snapshotWork?.restore }
    set { snapshotWork = SnapshotWork.make(restore: newValue, take: snapshotToTake, chunks: snapshotChunks) }
  }
  /// After applying `committedEntries`, have the state machine write a snapshot into storage
  /// (``Storage/beginSnapshot(_:)``), then report it with ``RaftEngine/snapshotTaken(_:)`` or
  /// ``RaftEngine/snapshotFailed()``.
  public var snapshotToTake: SnapshotRequest? {
    get { snapshotWork?.take }
    set { snapshotWork = SnapshotWork.make(restore: snapshotToRestore, take: newValue, chunks: snapshotChunks) }
  }
  /// Snapshot chunks to read from storage and send (``OutgoingSnapshotChunk/message(data:)``).
  /// A chunk that cannot be read any more (a newer snapshot replaced it) is dropped: the
  /// transfer recovers as from a lost message.
  public var snapshotChunks: [OutgoingSnapshotChunk] {
    get { snapshotWork?.chunks ?? [] }
    set { snapshotWork = SnapshotWork.make(restore: snapshotToRestore, take: snapshotToTake, chunks: newValue) }
  }

  /// The work of one call to ``RaftEngine/ready()``.
  public init(
    persistence: PersistenceRequest? = nil, messages: [Message] = [], committedEntries: [LogEntry] = [],
    snapshotToRestore: SnapshotMetadata? = nil, snapshotToTake: SnapshotRequest? = nil,
    snapshotChunks: [OutgoingSnapshotChunk] = []
  ) {
    self.persistence = persistence
    self.messages = messages
    self.committedEntries = committedEntries
    self.snapshotWork = SnapshotWork.make(restore: snapshotToRestore, take: snapshotToTake, chunks: snapshotChunks)
  }

  /// Whether there is nothing to do.
  public var isEmpty: Bool {
    persistence == nil && messages.isEmpty && committedEntries.isEmpty && snapshotWork == nil
  }
}

/// The snapshot parts of a ``Ready``, boxed.
private final class SnapshotWork: Sendable {
  let restore: SnapshotMetadata?
  let take: SnapshotRequest?
  let chunks: [OutgoingSnapshotChunk]

  private init(restore: SnapshotMetadata?, take: SnapshotRequest?, chunks: [OutgoingSnapshotChunk]) {
    self.restore = restore
    self.take = take
    self.chunks = chunks
  }

  /// nil when there is nothing to do, without allocating (a failable initializer of a class
  /// allocates before it can fail).
  static func make(restore: SnapshotMetadata?, take: SnapshotRequest?, chunks: [OutgoingSnapshotChunk])
    -> SnapshotWork?
  {
    guard restore != nil || take != nil || !chunks.isEmpty else { return nil }
    return SnapshotWork(restore: restore, take: take, chunks: chunks)
  }
}
