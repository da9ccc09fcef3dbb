import Logging
import Raft
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `Storage` in files under one directory that survives `kill -9` and power loss
/// without losing an acknowledged write.
///
/// The log is a series of append-only segment files of records framed with a length and a
/// CRC-32C; the hard state lives in a two-slot metadata file; snapshots are files of their own
/// (``snapshots``). See <doc:OnDiskLayout> for the format.
///
/// ## Durability and group commit
/// ``persist(_:completion:)`` writes the request's entries on the caller's thread (into the page
/// cache, which is fast) and queues it for a dedicated fsync thread. That thread syncs everything
/// written so far in one go, writes the hard state, and then runs the completions, in request
/// order, on itself. Requests that arrive while a sync is in flight share the next one, so many
/// concurrent writers cost one fsync per round instead of one each.
///
/// Term and vote are durable before a request completes. A new commit index alone is not
/// written at once (it would cost a second fsync per round): it is written with the next term or
/// vote change and by ``close()``, so after a crash the recovered commit index may be older than
/// the last one persisted, as the `Storage` contract allows.
///
/// ## Snapshots
/// ``beginSnapshot(_:)`` streams a state machine's snapshot into a temporary file that its
/// sink's `finish()` syncs and renames into place; a received snapshot's chunks
/// (`SnapshotWrite/chunk(_:offset:data:)`) go to a temporary file too, and its install
/// checks the checksum, syncs and renames it, then compacts the log behind it (or deletes the
/// whole log when it conflicted). ``recover()`` returns the newest complete snapshot. The cluster
/// members are kept in the snapshot file's metadata bytes.
///
/// ## Memory
/// Only the most recent ``FileStorageOptions/cachedEntryCount`` entries stay in memory; other
/// reads go to disk through an index of 4 bytes per entry.
///
/// ## Opening
/// ``init(directory:options:logger:)`` locks the directory, checks its format, and scans the
/// log. A record torn by a crash at the very end of the log is cut off (logged with the number of
/// bytes dropped); any other damage throws a ``FileStorageError`` naming the file and offset,
/// and leaves every file untouched.
public final class FileStorage: Storage {
  /// The directory this storage keeps its files in.
  public let directory: String
  /// The snapshot files of this storage.
  public let snapshots: SnapshotFileStore

  private let layout: DataDirectory
  private let lockFile: SharedFile
  let metadata: MetadataFile
  private let worker: SyncWorker
  let log: Mutex<LogSide>
  /// Whether a sink from ``beginSnapshot(_:)`` is open.
  let takingSnapshot = Mutex(false)
  let logger: Logger

  struct LogSide {
    var log: SegmentedLog
    var closed = false
    /// A snapshot being received from the leader, and how much of it arrived.
    var incoming: (metadata: SnapshotMetadata, writer: SnapshotFileWriter, received: UInt64)?
    /// Set by the first failed write: nothing written after it could be trusted.
    var failure: (any Error)?
  }

  /// Opens (creating if needed) the storage in `directory`.
  ///
  /// - Throws: ``FileStorageError/directoryLocked(directory:)`` if another open storage holds
  ///   it; ``FileStorageError/unsupportedFormatVersion(file:found:)`` for a layout this release
  ///   does not read; another ``FileStorageError`` naming the file and offset for damage that a
  ///   crash cannot explain. Nothing on disk changes when opening fails (apart from creating an
  ///   empty directory).
  public init(
    directory: String, options: FileStorageOptions = FileStorageOptions(),
    logger: Logger = Logger(label: "raft.file-storage")
  ) throws {
    self.directory = directory
    self.logger = logger
    layout = DataDirectory(path: directory)
    if options.createIfMissing { try FileSystem.makeDirectory(directory) }
    lockFile = try layout.lock()
    try layout.checkOrCreateFormat()
    if !FileSystem.exists(layout.metadataFile)
      && (FileSystem.exists(layout.logDirectory) || FileSystem.exists(layout.snapshotDirectory))
    {
      throw FileStorageError.missingMetadata(file: layout.metadataFile)
    }
    metadata = try MetadataFile(path: layout.metadataFile)
    let logStart = metadata.current.logStart
    let plan = try LogScanner.scan(
      directory: layout, logStart: logStart, maximumRecordSize: RecordFormat.maximumRecordSize)
    let snapshotStore = try SnapshotFileStore(directory: layout.snapshotDirectory, logger: logger)
    // Everything is checked; only now repair what a crash left.
    for removal in plan.removals {
      logger.warning("removing \(removal.path): \(removal.reason)")
      try FileSystem.remove(removal.path)
    }
    if let torn = plan.tornTail {
      logger.warning(
        "torn write at the end of the log: cut \(torn.path) at offset \(torn.validLength), dropping \(torn.droppedBytes) bytes"
      )
      try FileSystem.truncate(torn.path, to: torn.validLength)
    }
    if !plan.removals.isEmpty { try FileSystem.syncDirectory(layout.logDirectory) }
    try snapshotStore.removeLeftovers()
    snapshots = snapshotStore
    log = Mutex(LogSide(log: try SegmentedLog(directory: layout, plan: plan, logStart: logStart, options: options)))
    worker = SyncWorker(metadata: metadata, logDirectory: layout.logDirectory)
  }

  deinit { close() }

  /// Completes every queued request, stops the fsync thread and releases the directory lock once
  /// the last file is closed. Later requests fail with ``FileStorageError/unavailable(reason:)``.
  public func close() {
    let wasOpen = log.withLock { side in
      defer { side.closed = true }
      return !side.closed
    }
    guard wasOpen else { return }
    worker.stop()
    // The lock goes now, not when the last reference to this object does, so the directory can be
    // reopened at once; the remaining descriptors close with the object.
    _ = flock(lockFile.descriptor.rawValue, LOCK_UN)
  }

  // MARK: Storage

  /// The durable state: the hard state, the latest complete snapshot, and every stored entry,
  /// read back from disk. The entries start at ``firstIndex``: compaction removes whole
  /// segments, so they may begin before the snapshot's last included index.
  public func recover() throws -> PersistentState {
    let hardState = worker.latestHardState
    let entries = try log.withLock { side in
      try side.log.entries(from: side.log.firstIndex, through: side.log.lastIndex)
    }
    return PersistentState(hardState: hardState, entries: entries, snapshot: snapshots.latest.map(Self.metadata(of:)))
  }

  /// Writes `request` now and completes it on the fsync thread once it is durable (see the type's
  /// discussion). Completions run in request order. After a failed write or sync every later
  /// request fails too.
  public func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
  {
    let closed = log.withLock { side -> Bool in
      guard !side.closed else { return true }
      var pending = SyncWorker.Pending(completion: completion, hardState: request.hardState, error: side.failure)
      var effects = SegmentedLog.WriteEffects()
      if pending.error == nil {
        do {
          try applySnapshotWrites(request.snapshotWrites, to: &side)
          if let index = request.compactThrough { try compact(through: index.rawValue, side: &side) }
          // A log that starts somewhere new (empty, after a snapshot) records where, first: an
          // open checks that the first segment starts there, to notice a lost one.
          if side.log.segments.isEmpty, let first = request.entries.first?.index.rawValue,
            first != metadata.current.logStart
          {
            try metadata.update { $0.logStart = first }
          }
          effects = try side.log.append(request.entries)
        } catch {
          logger.error("write failed, the storage accepts no more writes: \(error)")
          side.failure = error
          pending.error = error
        }
      }
      // Queued under the log lock so the queue's order is the write order.
      worker.enqueue(pending, files: effects.files, directoryChanged: effects.directoryChanged)
      return false
    }
    // Outside the lock: a completion may call back into the storage.
    if closed { completion(.failure(FileStorageError.unavailable(reason: "the storage is closed"))) }
  }

  // MARK: Reading and compaction

  /// The first index the log holds (one past ``lastIndex`` when it is empty).
  public var firstIndex: LogIndex { LogIndex(log.withLock { $0.log.firstIndex }) }

  /// The last index written (durable or about to be).
  public var lastIndex: LogIndex { LogIndex(log.withLock { $0.log.lastIndex }) }

  /// The entries in `range`, recent ones from memory and older ones from disk.
  ///
  /// - Throws: ``FileStorageError/indexOutOfRange(requested:first:last:)`` outside
  ///   ``firstIndex``...``lastIndex``; ``FileStorageError/corruptRecord(file:offset:reason:)`` if a
  ///   record no longer matches its checksum.
  public func entries(in range: ClosedRange<LogIndex>) throws -> [LogEntry] {
    try log.withLock { try $0.log.entries(from: range.lowerBound.rawValue, through: range.upperBound.rawValue) }
  }

  /// Removes the log's prefix through `index` (typically the last index a snapshot covers), a
  /// whole segment at a time: entries in the segment that also holds `index + 1` stay, and the
  /// last segment always stays. Returns the new ``firstIndex``.
  ///
  /// The new first index is recorded durably before any file is deleted, so a crash midway leaves
  /// only files the next open deletes.
  @discardableResult
  public func compact(through index: LogIndex) throws -> LogIndex {
    try log.withLock { side in
      try compact(through: index.rawValue, side: &side)
      return LogIndex(side.log.firstIndex)
    }
  }

  func compact(through index: UInt64, side: inout LogSide) throws {
    let count = side.log.segmentsCovered(through: index)
    guard count > 0 else { return }
    let newStart = side.log.segments[count].firstIndex
    try metadata.update { $0.logStart = newStart }
    try side.log.dropSegments(count)
  }

  /// Deletes the whole log, so that the next entry written is `nextIndex` (for a snapshot that
  /// replaces a log it conflicts with). Durable when it returns.
  public func discardLog(nextIndex: LogIndex) throws {
    try log.withLock { side in
      try side.log.discardAll(nextIndex: nextIndex.rawValue)
      try metadata.update { $0.logStart = nextIndex.rawValue }
    }
  }

  /// How many sync rounds (one fsync of the log each, however many requests it made durable) have
  /// completed since opening: requests divided by this is the group-commit factor.
  public var completedSyncRounds: Int { worker.completedRounds }

  /// How many segment files the log has.
  public var segmentCount: Int { log.withLock { $0.log.segments.count } }
}
