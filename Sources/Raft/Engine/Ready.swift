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
/// Do the parts independently, in any order, with these exceptions: restore
/// ``snapshotToRestore``, then apply `committedEntries`, then take ``snapshotToTake``, and run
/// `readsReady` only after applying this Ready's `committedEntries` (and every earlier one's).
/// `messages` and `snapshotChunks` are already safe to send (the engine itself holds back any
/// message that depends on unacknowledged persistence), and `committedEntries` are committed
/// and durable locally.
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

  /// Linearizable reads (``RaftEngine/requestRead(_:)``) that are now safe: run each against the
  /// state machine once `committedEntries` are applied. Each read appears here or in
  /// `failedReads` exactly once.
  public var readsReady: [ReadyRead] {
    get { clientOutputs?.readsReady ?? [] }
    set { updateClientOutputs { $0.readsReady = newValue } }
  }
  /// Reads the engine gave up on, never served; every ``ReadError`` is retryable.
  public var failedReads: [FailedRead] {
    get { clientOutputs?.failedReads ?? [] }
    set { updateClientOutputs { $0.failedReads = newValue } }
  }
  /// What became of proposals this node forwarded to the leader (``RaftEngine/propose(_:id:)``).
  public var proposalOutcomes: [ProposalOutcome] {
    get { clientOutputs?.proposalOutcomes ?? [] }
    set { updateClientOutputs { $0.proposalOutcomes = newValue } }
  }

  /// The three outputs above, nil when all are empty (nearly every Ready): copying and
  /// destroying a Ready then costs no reference counting for them.
  var clientOutputs: ClientOutputs?

  /// The work of one call to ``RaftEngine/ready()``.
  public init(
    persistence: PersistenceRequest? = nil, messages: [Message] = [], committedEntries: [LogEntry] = [],
    snapshotToRestore: SnapshotMetadata? = nil, snapshotToTake: SnapshotRequest? = nil,
    snapshotChunks: [OutgoingSnapshotChunk] = [], readsReady: [ReadyRead] = [], failedReads: [FailedRead] = [],
    proposalOutcomes: [ProposalOutcome] = []
  ) {
    self.persistence = persistence
    self.messages = messages
    self.committedEntries = committedEntries
    self.snapshotWork = SnapshotWork.make(restore: snapshotToRestore, take: snapshotToTake, chunks: snapshotChunks)
    let outputs = ClientOutputs(readsReady: readsReady, failedReads: failedReads, proposalOutcomes: proposalOutcomes)
    self.clientOutputs = outputs.isEmpty ? nil : outputs
  }

  /// The engine's hot path: no snapshot work, client outputs already packed.
  init(
    persistence: PersistenceRequest?, messages: [Message], committedEntries: [LogEntry], clientOutputs: ClientOutputs?
  ) {
    self.persistence = persistence
    self.messages = messages
    self.committedEntries = committedEntries
    self.snapshotWork = nil
    self.clientOutputs = clientOutputs
  }

  /// Whether there is nothing to do.
  public var isEmpty: Bool {
    persistence == nil && messages.isEmpty && committedEntries.isEmpty && snapshotWork == nil && clientOutputs == nil
  }

  private mutating func updateClientOutputs(_ change: (inout ClientOutputs) -> Void) {
    var outputs = clientOutputs ?? ClientOutputs()
    change(&outputs)
    clientOutputs = outputs.isEmpty ? nil : outputs
  }
}

/// The outputs of client requests beyond the leader's own proposals.
struct ClientOutputs: Sendable, Equatable {
  var readsReady: [ReadyRead] = []
  var failedReads: [FailedRead] = []
  var proposalOutcomes: [ProposalOutcome] = []

  var isEmpty: Bool { readsReady.isEmpty && failedReads.isEmpty && proposalOutcomes.isEmpty }
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
