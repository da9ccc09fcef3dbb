/// Where a node keeps its term, vote, log and snapshot so that they survive a crash.
///
/// ## Contract
/// - **Ordering.** Requests become durable in the order ``persist(_:completion:)`` receives
///   them. Within one request: first its ``PersistenceRequest/snapshotWrites``, then its
///   ``PersistenceRequest/compactThrough``, then its entries, then its hard state. A request's
///   entries replace any stored entries from the index of its first entry on (the engine only
///   replaces entries that conflict with the leader's log).
/// - **Durability.** `completion` runs only once the request *and every earlier one* would
///   survive a power loss (for a file store: after fsync). An implementation may sync several
///   requests at once (group commit) and complete them together, in order.
/// - **Atomicity.** After a crash, the recovered state is the state after some prefix of the
///   requests, with each request's entries no newer than its hard state's commit index needs:
///   a request's entries are durable no later than its hard state.
/// - **Commit index.** A storage may make a new commit index durable lazily: when a request's
///   hard state differs from the previous one only in its commit index, the request may
///   complete before that commit index is durable, and after a crash the recovered commit index
///   may be older than the last one persisted (never newer, and never past the recovered log).
///   The commit index is volatile in Raft: a restarted node replays its log up to what it
///   recovered and learns the rest from the leader. Term and vote are always durable before the
///   request completes. ``recover()`` after a graceful close returns the last commit index.
/// - **Snapshots.** The node's snapshot is the latest one either finished through
///   ``beginSnapshot(_:)`` or installed by a ``SnapshotWrite/install(_:retainsLog:)`` write;
///   it replaces the previous one only once it is complete and durable, so a crash at any
///   point leaves the old snapshot or the new one, never a part. ``recover()`` returns it with
///   the log entries stored after the last compaction (they may start before or after the
///   snapshot's last included index; the engine keeps what follows it). A partly received
///   snapshot is not recovered.
/// - **Threading.** ``recover()`` is called once, before the node starts, on the thread that
///   runs the node. ``persist(_:completion:)``, ``beginSnapshot(_:)`` and
///   ``readSnapshot(_:from:maxCount:)`` are called on that thread; `completion` may run on any
///   thread, exactly once per request, and must not block.
///
/// The snapshot methods have default implementations that throw
/// ``SnapshotError/unsupported(_:)``; a storage without them must not be given snapshot writes
/// (run with ``NodeConfiguration/snapshotThreshold`` nil).
public protocol Storage: AnyObject, Sendable {
  /// Reads the durable state, as left by the last completed request.
  func recover() throws -> PersistentState

  /// Makes `request` durable, then calls `completion` (with the error, if the write failed; a
  /// node treats a failed write as fatal, since it can no longer keep its promises).
  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)

  /// Starts writing a snapshot of the state machine at `request`'s point. The state machine
  /// streams into the returned sink; ``StorageSnapshotSink/finish()`` makes the snapshot
  /// durable and the node's snapshot, and returns its metadata.
  /// - Throws: ``SnapshotError/alreadyWriting`` if another sink is open, or an I/O error.
  func beginSnapshot(_ request: SnapshotRequest) throws -> any StorageSnapshotSink

  /// Reads up to `maxCount` bytes of the stored snapshot `metadata` from `offset` (fewer only at
  /// its end): for sending chunks and for restoring the state machine.
  /// - Throws: ``SnapshotError/notFound(_:)`` if the storage holds another snapshot now,
  ///   ``SnapshotError/outOfBounds(offset:size:)`` past its end.
  func readSnapshot(_ metadata: SnapshotMetadata, from offset: UInt64, maxCount: Int) throws -> [UInt8]
}

/// The sink a state machine writes a new snapshot into (see ``Storage/beginSnapshot(_:)``).
public protocol StorageSnapshotSink: AnyObject, SnapshotWriter {
  /// Appends `bytes` to the snapshot (a sink is a reference: writing needs no `var`).
  func write(_ bytes: [UInt8]) throws
  /// Makes the snapshot durable and the node's snapshot, replacing the previous one.
  /// - Returns: its metadata, with the size and checksum of what was written.
  func finish() throws -> SnapshotMetadata
  /// Discards what was written; the previous snapshot stays in force.
  func abandon()
}

extension Storage {
  /// Throws ``SnapshotError/unsupported(_:)``.
  public func beginSnapshot(_ request: SnapshotRequest) throws -> any StorageSnapshotSink {
    throw SnapshotError.unsupported("\(Self.self)")
  }

  /// Throws ``SnapshotError/unsupported(_:)``.
  public func readSnapshot(_ metadata: SnapshotMetadata, from offset: UInt64, maxCount: Int) throws -> [UInt8] {
    throw SnapshotError.unsupported("\(Self.self)")
  }

  /// A reader over the stored snapshot `metadata`, checking its checksum at the end: what the
  /// state machine restores from.
  public func snapshotReader(for metadata: SnapshotMetadata) -> StoredSnapshotReader {
    StoredSnapshotReader(storage: self, metadata: metadata)
  }
}

/// Reads a stored snapshot chunk by chunk through ``Storage/readSnapshot(_:from:maxCount:)``,
/// verifying its CRC-32C once the end is reached.
public struct StoredSnapshotReader: SnapshotReader {
  private let storage: any Storage
  /// The snapshot read.
  public let metadata: SnapshotMetadata
  private var offset: UInt64 = 0
  private var checksum = CRC32C()

  /// A reader of `storage`'s snapshot `metadata`, from its first byte.
  public init(storage: any Storage, metadata: SnapshotMetadata) {
    self.storage = storage
    self.metadata = metadata
  }

  public mutating func read(maxCount: Int) throws -> [UInt8] {
    if offset == 0 && metadata.size == 0 { try verifyChecksum() }
    guard offset < metadata.size else { return [] }
    let count = Int(min(UInt64(max(maxCount, 1)), metadata.size - offset))
    let bytes = try storage.readSnapshot(metadata, from: offset, maxCount: count)
    guard !bytes.isEmpty else { throw SnapshotError.malformed("the stored snapshot ended at \(offset)") }
    checksum.update(bytes)
    offset += UInt64(bytes.count)
    // Checked with the last bytes, so a state machine that stops reading there is covered too.
    if offset == metadata.size { try verifyChecksum() }
    return bytes
  }

  private func verifyChecksum() throws {
    guard checksum.value == metadata.checksum else {
      throw SnapshotError.checksumMismatch(expected: metadata.checksum, actual: checksum.value)
    }
  }
}
