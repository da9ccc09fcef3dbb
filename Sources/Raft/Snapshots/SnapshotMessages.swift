/// InstallSnapshot: one chunk of the leader's snapshot, sent to a follower whose next entry the
/// leader compacted away.
///
/// Chunks carry their offset, so the follower appends only the chunk that continues what it
/// durably holds and reports its position otherwise. A chunk without data is a probe: "how much
/// of this snapshot do you hold?", which lets a transfer resume where it stopped, across lost
/// messages and leader changes.
public struct InstallSnapshot: Hashable, Sendable {
  /// The snapshot this chunk belongs to.
  public var metadata: SnapshotMetadata
  /// Where `data` starts in the snapshot.
  public var offset: UInt64
  /// The bytes at `offset`; empty for a probe.
  public var data: [UInt8]

  /// A chunk of `metadata`'s content: `data` at `offset` (empty for a probe).
  public init(metadata: SnapshotMetadata, offset: UInt64, data: [UInt8]) {
    self.metadata = metadata
    self.offset = offset
    self.data = data
  }

  /// Whether this chunk ends the snapshot.
  public var isLast: Bool { offset + UInt64(data.count) == metadata.size }
}

/// The follower's answer to ``InstallSnapshot``. Sent only once what it reports is durable.
public struct SnapshotResponse: Hashable, Sendable {
  /// What the follower reports.
  public enum Result: Hashable, Sendable {
    /// The follower durably holds the snapshot's first `offset` bytes (the chunk continued what
    /// it held, or it held the chunk already).
    case received(offset: UInt64)
    /// The chunk started past what the follower holds (an earlier one was lost or is late):
    /// continue from `offset`.
    case gap(offset: UInt64)
    /// The answer to a probe: the follower durably holds the first `offset` bytes.
    case position(offset: UInt64)
    /// The snapshot is complete, verified and durable (or the follower's log already held
    /// everything it covers): the follower matches the leader through its last included index.
    case installed
    /// The complete content failed its checksum; the follower discarded it.
    case checksumMismatch
  }

  /// The snapshot answered about.
  public var metadata: SnapshotMetadata
  /// What the follower reports about it.
  public var result: Result

  /// An answer about `metadata`.
  public init(metadata: SnapshotMetadata, result: Result) {
    self.metadata = metadata
    self.result = result
  }
}

/// A chunk the leader's caller must read from storage and send (see ``Ready/snapshotChunks``):
/// the engine decides what to send, the storage holds the bytes.
public struct OutgoingSnapshotChunk: Hashable, Sendable, CustomStringConvertible {
  /// The follower to send to.
  public var to: NodeID
  /// The sending leader.
  public var from: NodeID
  /// The leader's term.
  public var term: Term
  /// The snapshot to read from.
  public var metadata: SnapshotMetadata
  /// Where to read.
  public var offset: UInt64
  /// How many bytes to read (0 for a probe).
  public var count: Int

  /// A chunk of `count` bytes at `offset` of `metadata`'s content, from `from` to `to` in `term`.
  public init(to: NodeID, from: NodeID, term: Term, metadata: SnapshotMetadata, offset: UInt64, count: Int) {
    self.to = to
    self.from = from
    self.term = term
    self.metadata = metadata
    self.offset = offset
    self.count = count
  }

  /// The message to send, once `data` (the `count` bytes at `offset`) is read.
  public func message(data: [UInt8]) -> Message {
    Message(
      from: from, to: to, term: term,
      body: .installSnapshot(InstallSnapshot(metadata: metadata, offset: offset, data: data)))
  }

  public var description: String {
    "\(from)->\(to) Snap term=\(term) \(metadata.lastIncludedIndex)@\(metadata.lastIncludedTerm) offset=\(offset) bytes=\(count)"
  }
}

/// A snapshot write a ``PersistenceRequest`` carries: how a follower stores a snapshot it
/// receives, in order with its other writes.
public enum SnapshotWrite: Hashable, Sendable {
  /// Bytes of an incoming snapshot at `offset`. Offset 0 starts receiving `metadata`, discarding
  /// any partly received snapshot; otherwise `offset` is exactly what was received before. A
  /// partly received snapshot is never the node's snapshot, and need not survive a crash.
  case chunk(SnapshotMetadata, offset: UInt64, data: [UInt8])
  /// The incoming snapshot `metadata` is complete and verified: it becomes the node's snapshot,
  /// replacing the previous one. The stored log loses every entry through its last included
  /// index; with `retainsLog` false it loses every entry (the log conflicted with it).
  case install(SnapshotMetadata, retainsLog: Bool)
}
