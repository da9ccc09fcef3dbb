import Synchronization

/// A ``Storage`` in memory that models durability honestly: a write is durable only once
/// ``sync()`` ran after it (or at once, with ``SyncMode/immediate``), and ``crash()`` keeps
/// exactly what was durable.
///
/// Snapshots follow the same rules: a snapshot written through ``beginSnapshot(_:)`` is durable
/// when its sink's ``StorageSnapshotSink/finish()`` returns (as a file store's write, fsync and
/// rename would be); a received snapshot's chunks and its install are ordinary writes, durable
/// at the next sync. A partly received snapshot is never recovered.
public final class MemoryStorage: Storage {
  /// When writes become durable.
  public enum SyncMode: Sendable {
    /// Every write is durable when ``persist(_:completion:)`` returns; its completion runs inside.
    case immediate
    /// Writes wait for a call to ``sync()``, as they would for an fsync.
    case manual
  }

  private struct StoredSnapshot: Sendable {
    var metadata: SnapshotMetadata
    var bytes: [UInt8]
  }

  private struct Contents: Sendable {
    var hardState = HardState()
    /// The index of `entries[0]`: 1, or the one after the last compaction.
    var firstIndex: LogIndex = 1
    var entries: [LogEntry] = []
    var snapshot: StoredSnapshot?
    var incoming: StoredSnapshot?

    mutating func apply(_ request: PersistenceRequest) {
      for write in request.snapshotWrites { apply(write) }
      if let index = request.compactThrough { compact(through: index) }
      if let hardState = request.hardState { self.hardState = hardState }
      guard let first = request.entries.first else { return }
      let lastIndex = firstIndex + UInt64(entries.count) - 1
      precondition(first.index >= firstIndex && first.index <= lastIndex + 1, "gap in the log")
      entries.removeSubrange(firstIndex.distance(to: first.index)...)
      entries.append(contentsOf: request.entries)
    }

    private mutating func apply(_ write: SnapshotWrite) {
      switch write {
      case .chunk(let metadata, let offset, let data):
        if offset == 0 { incoming = StoredSnapshot(metadata: metadata, bytes: []) }
        precondition(
          incoming?.metadata == metadata && UInt64(incoming!.bytes.count) == offset,
          "snapshot chunk at \(offset) does not continue what was received")
        incoming!.bytes += data
      case .install(let metadata, let retainsLog):
        precondition(
          incoming?.metadata == metadata && UInt64(incoming!.bytes.count) == metadata.size,
          "installing a snapshot not completely received")
        snapshot = incoming
        incoming = nil
        if retainsLog {
          compact(through: metadata.lastIncludedIndex)
        } else {
          entries = []
          firstIndex = metadata.lastIncludedIndex + 1
        }
      }
    }

    mutating func compact(through index: LogIndex) {
      guard index >= firstIndex else { return }
      entries.removeFirst(min(entries.count, firstIndex.distance(to: index) + 1))
      firstIndex = index + 1
    }

    var persistentState: PersistentState {
      PersistentState(hardState: hardState, entries: entries, snapshot: snapshot?.metadata)
    }
  }

  private struct State: Sendable {
    var durable = Contents()
    var volatile = Contents()
    /// Requests applied to `volatile` but not yet to `durable`, replayed on sync. Replaying
    /// (rather than `durable = volatile`) keeps the two copies unshared, so neither copies the
    /// whole log on its next write: persisting stays O(request) however long the log grows.
    var unsynced: [PersistenceRequest] = []
    var waiting: [@Sendable (Result<Void, any Error>) -> Void] = []
    var writingSnapshot = false
  }

  private let state: Mutex<State>
  private let mode: SyncMode

  /// - Parameters:
  ///   - initial: the durable state to start from. Its entries start at index 1, or right after
  ///     its snapshot.
  ///   - snapshotContent: the content of `initial.snapshot`, if it has one.
  public init(mode: SyncMode = .immediate, initial: PersistentState = PersistentState(), snapshotContent: [UInt8] = [])
  {
    var contents = Contents(hardState: initial.hardState, entries: initial.entries)
    if let snapshot = initial.snapshot {
      contents.snapshot = StoredSnapshot(metadata: snapshot, bytes: snapshotContent)
    }
    contents.firstIndex = initial.entries.first?.index ?? (initial.snapshot.map { $0.lastIncludedIndex + 1 } ?? 1)
    state = Mutex(State(durable: contents, volatile: contents))
    self.mode = mode
  }

  public func recover() throws -> PersistentState {
    state.withLock { $0.durable.persistentState }
  }

  public func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
  {
    state.withLock {
      $0.volatile.apply(request)
      $0.unsynced.append(request)
      $0.waiting.append(completion)
    }
    if mode == .immediate { sync() }
  }

  public func beginSnapshot(_ request: SnapshotRequest) throws -> any StorageSnapshotSink {
    try state.withLock { state throws(SnapshotError) in
      guard !state.writingSnapshot else { throw .alreadyWriting }
      state.writingSnapshot = true
    }
    return Sink(storage: self, request: request)
  }

  public func readSnapshot(_ metadata: SnapshotMetadata, from offset: UInt64, maxCount: Int) throws -> [UInt8] {
    try state.withLock { state throws(SnapshotError) in
      guard let snapshot = state.volatile.snapshot, snapshot.metadata == metadata else { throw .notFound(metadata) }
      guard offset <= metadata.size else { throw .outOfBounds(offset: offset, size: metadata.size) }
      let start = Int(offset)
      let end = min(snapshot.bytes.count, start + max(maxCount, 0))
      return Array(snapshot.bytes[start..<end])
    }
  }

  /// Makes every write so far durable and runs their completions, in order.
  public func sync() {
    let completions = state.withLock { state in
      for request in state.unsynced { state.durable.apply(request) }
      state.unsynced.removeAll(keepingCapacity: true)
      defer { state.waiting.removeAll() }
      return state.waiting
    }
    for completion in completions { completion(.success(())) }
  }

  /// Forgets every write that was not durable; their completions never run.
  public func crash() {
    state.withLock {
      $0.volatile = $0.durable
      $0.unsynced.removeAll()
      $0.waiting.removeAll()
      $0.writingSnapshot = false
    }
  }

  /// Writes awaiting ``sync()``.
  public var unsyncedWriteCount: Int { state.withLock { $0.waiting.count } }

  /// What a crash now would keep.
  public var durableState: PersistentState {
    state.withLock { $0.durable.persistentState }
  }

  /// How many bytes of a snapshot being received are stored (durable or not), and of which.
  public var incomingSnapshot: (metadata: SnapshotMetadata, bytes: Int)? {
    state.withLock { state in state.volatile.incoming.map { ($0.metadata, $0.bytes.count) } }
  }

  private func finishSnapshot(_ snapshot: StoredSnapshot) {
    state.withLock { state in
      state.writingSnapshot = false
      // Written, synced and renamed into place at once: durable and visible together. An older
      // snapshot never replaces a newer one (a received one may have overtaken it).
      let current = state.volatile.snapshot?.metadata.lastIncludedIndex ?? .zero
      guard snapshot.metadata.lastIncludedIndex > current else { return }
      state.volatile.snapshot = snapshot
      state.durable.snapshot = snapshot
    }
  }

  private func abandonSnapshot() {
    state.withLock { $0.writingSnapshot = false }
  }

  /// Collects a snapshot the state machine writes; it becomes the stored one on `finish()`.
  private final class Sink: StorageSnapshotSink {
    private let storage: MemoryStorage
    private let request: SnapshotRequest
    private var bytes: [UInt8] = []
    private var checksum = CRC32C()
    private var open = true

    init(storage: MemoryStorage, request: SnapshotRequest) {
      self.storage = storage
      self.request = request
    }

    func write(_ chunk: [UInt8]) throws {
      guard open else { throw SnapshotError.malformed("write after the snapshot was finished") }
      checksum.update(chunk)
      bytes += chunk
    }

    func finish() throws -> SnapshotMetadata {
      guard open else { throw SnapshotError.malformed("the snapshot was already finished") }
      open = false
      let metadata = SnapshotMetadata(
        lastIncludedIndex: request.index, lastIncludedTerm: request.term, members: request.members,
        size: UInt64(bytes.count), checksum: checksum.value)
      storage.finishSnapshot(StoredSnapshot(metadata: metadata, bytes: bytes))
      return metadata
    }

    func abandon() {
      guard open else { return }
      open = false
      storage.abandonSnapshot()
    }
  }
}
