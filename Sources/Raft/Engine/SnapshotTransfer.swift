import DequeModule

/// A leader's transfer of its snapshot to one follower: which bytes the follower durably holds,
/// which chunks are in flight, and whether the leader is asking where the follower stands.
///
/// The transfer starts with a probe (an empty chunk) that the follower answers with what it
/// already holds of this snapshot, so a transfer interrupted by loss, a follower's silence or a
/// leader change resumes at the follower's durable offset rather than at 0.
struct SnapshotTransfer: Sendable {
  let metadata: SnapshotMetadata
  /// The follower durably holds the first `acknowledgedOffset` bytes.
  var acknowledgedOffset: UInt64 = 0
  /// Where the next chunk starts.
  var nextOffset: UInt64 = 0
  /// Waiting for the answer to a probe before streaming.
  var probing = true
  var probeSent = false
  /// End offsets of the chunks in flight, oldest first.
  var inflight = Deque<UInt64>()
  /// The offset of the last rewind after a gap, so the other chunks of the same lost window
  /// (each answered with the same gap) do not rewind again.
  var rewoundTo: UInt64?
  /// Heartbeat replies since the acknowledged offset last moved while chunks were outstanding.
  var stalledHeartbeats = 0

  init(metadata: SnapshotMetadata) { self.metadata = metadata }

  /// Whether the follower may be missing chunks the leader believes sent.
  var hasOutstanding: Bool { probing ? probeSent : acknowledgedOffset < nextOffset || nextOffset == metadata.size }

  /// The next chunk to send, if the window allows one, recorded as sent.
  mutating func nextChunk(maxChunkBytes: Int, window: Int) -> (offset: UInt64, count: Int)? {
    if probing {
      guard !probeSent else { return nil }
      probeSent = true
      return (acknowledgedOffset, 0)
    }
    guard inflight.count < window, nextOffset < metadata.size else { return nil }
    let count = Int(min(UInt64(maxChunkBytes), metadata.size - nextOffset))
    let offset = nextOffset
    nextOffset += UInt64(count)
    inflight.append(nextOffset)
    return (offset, count)
  }

  /// The follower durably holds `offset` bytes (an acknowledgement, never moving back).
  mutating func acknowledge(_ offset: UInt64) {
    if offset > acknowledgedOffset {
      acknowledgedOffset = offset
      stalledHeartbeats = 0
    }
    while let first = inflight.first, first <= acknowledgedOffset { inflight.removeFirst() }
    if probing {
      probing = false
      probeSent = false
      nextOffset = max(nextOffset, acknowledgedOffset)
    }
  }

  /// Continue from `offset`, what the follower reports it holds (a probe's answer, or a gap).
  mutating func rewind(to offset: UInt64) {
    acknowledgedOffset = offset
    nextOffset = offset
    inflight.removeAll()
    probing = false
    probeSent = false
    stalledHeartbeats = 0
  }

  /// Start over from byte 0 (the follower discarded what it had).
  mutating func restart() {
    rewind(to: 0)
    probing = true
    rewoundTo = nil
  }

  /// A heartbeat reply proves the follower reachable. A lost probe is sent again; chunks that
  /// stay unacknowledged over two replies are presumed lost, and a probe asks where to resume.
  mutating func noteHeartbeatReply() {
    if probing {
      probeSent = false
      return
    }
    guard hasOutstanding else { return }
    stalledHeartbeats += 1
    if stalledHeartbeats >= 2 {
      stalledHeartbeats = 0
      probing = true
      probeSent = false
    }
  }
}

/// What a follower has received of a snapshot it is being sent.
struct IncomingSnapshot: Sendable {
  let metadata: SnapshotMetadata
  /// Bytes handed to storage, in order from 0 (durable once the writes carrying them are).
  var received: UInt64 = 0
  /// The checksum of those bytes, so the complete snapshot is verified without reading it back.
  var checksum = CRC32C()
}

/// The engine's snapshot bookkeeping, kept apart so the engine's other state stays as it was.
struct SnapshotBookkeeping: Sendable {
  /// A ``Ready/snapshotToTake`` is out and not yet reported.
  var taking = false
  /// The applied index of the last failed attempt; the next one waits for another threshold.
  var lastFailedAttempt: LogIndex = .zero
  /// Snapshot writes for the next persistence request.
  var pendingWrites: [SnapshotWrite] = []
  /// A compaction for the next persistence request.
  var pendingCompaction: LogIndex?
  /// A snapshot the state machine must be restored from, once `restoreWaitsFor` is durable.
  var restore: SnapshotMetadata?
  /// The write installing `restore`; nil once durable (or not yet submitted, see `restoreSubmitted`).
  var restoreWaitsFor: PersistenceID?
  /// Whether the install write of `restore` has been handed to storage.
  var restoreSubmitted = true
  /// The snapshot being received from the leader.
  var incoming: IncomingSnapshot?
  /// Chunks for the caller to read and send.
  var outgoingChunks: [OutgoingSnapshotChunk] = []
}
