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
  /// The hole last resent after a gap report, so the other chunks past the same hole (each
  /// answered with the same gap) do not resend it again.
  var resentHole: UInt64?
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

  /// The follower durably holds `offset` bytes (an acknowledgement, never moving back). Real
  /// progress also ends a probe for a stalled transfer: the stream is moving again.
  mutating func acknowledge(_ offset: UInt64) {
    guard offset > acknowledgedOffset else { return }
    acknowledgedOffset = offset
    stalledHeartbeats = 0
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
    resentHole = nil
  }

  /// The follower holds `offset` bytes and keeps later chunks aside: resend only the chunk that
  /// fills the hole, once per hole, unless the report is stale.
  /// - Returns: the range to resend, if any.
  mutating func fillHole(at offset: UInt64, maxChunkBytes: Int) -> (offset: UInt64, count: Int)? {
    guard !probing, offset >= acknowledgedOffset, offset < nextOffset, resentHole != offset else { return nil }
    acknowledge(offset)
    resentHole = offset
    return (offset, Int(min(UInt64(maxChunkBytes), nextOffset - offset)))
  }

  /// A heartbeat reply proves the follower reachable. A probe or chunks that stay unanswered
  /// over two replies are presumed lost, and a (new) probe asks where to resume. Waiting two
  /// replies, not one, keeps a round trip longer than a heartbeat interval from sending probes
  /// whose answers would each rewind the transfer.
  mutating func noteHeartbeatReply() {
    guard hasOutstanding else { return }
    stalledHeartbeats += 1
    if stalledHeartbeats >= 2 {
      stalledHeartbeats = 0
      probing = true
      probeSent = false
    }
  }

  /// The answer to a probe: continue from where the follower stands. An answer to an earlier
  /// probe, arriving while streaming already, only acknowledges.
  mutating func resume(at offset: UInt64) {
    if probing { rewind(to: offset) } else { acknowledge(offset) }
  }
}

/// What a follower has received of a snapshot it is being sent.
struct IncomingSnapshot: Sendable {
  let metadata: SnapshotMetadata
  /// Bytes handed to storage, in order from 0 (durable once the writes carrying them are).
  var received: UInt64 = 0
  /// The checksum of those bytes, so the complete snapshot is verified without reading it back.
  var checksum = CRC32C()
  /// Chunks that arrived ahead of a missing one, sorted by offset: a bounded reorder buffer
  /// (at most one window), so that one lost or late chunk costs one resend, not a window.
  var aside: [(offset: UInt64, data: [UInt8])] = []

  /// Keeps a chunk that starts past `received` if the buffer has room for it.
  mutating func setAside(offset: UInt64, data: [UInt8], maxChunks: Int, maxBytesAhead: UInt64) {
    guard aside.count < maxChunks, offset - received < maxBytesAhead,
      !aside.contains(where: { $0.offset == offset })
    else { return }
    let position = aside.firstIndex { $0.offset > offset } ?? aside.endIndex
    aside.insert((offset, data), at: position)
  }

  /// Removes and returns the chunk set aside that continues `received`, if any; drops the
  /// ones `received` covers already.
  mutating func takeContinuation() -> (offset: UInt64, data: [UInt8])? {
    while let first = aside.first, first.offset <= received {
      aside.removeFirst()
      if first.offset + UInt64(first.data.count) > received { return first }
    }
    return nil
  }
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
  /// The leader's transfers, by follower (meaningful only while the follower's progress says
  /// it is being sent the snapshot).
  var transfers: [NodeID: SnapshotTransfer] = [:]
}
