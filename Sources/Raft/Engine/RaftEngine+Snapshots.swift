extension RaftEngine {
  // MARK: Taking snapshots and compacting

  /// The caller wrote the snapshot asked for in ``Ready/snapshotToTake`` (or any newer one of
  /// the applied state) and storage made it durable: the engine records it and compacts the
  /// log through its index minus ``NodeConfiguration/snapshotTrailingEntries``. A snapshot
  /// not newer than the current one, or past the applied index, is ignored.
  public mutating func snapshotTaken(_ metadata: SnapshotMetadata) {
    snapshotBookkeeping.taking = false
    let index = metadata.lastIncludedIndex
    guard index > (snapshot?.lastIncludedIndex ?? .zero), index <= appliedIndex,
      log.term(at: index) == metadata.lastIncludedTerm
    else { return }
    snapshot = metadata
    statistics.snapshotsTaken += 1
    let trailing = UInt64(configuration.snapshotTrailingEntries)
    let target = index.rawValue > trailing ? index - trailing : .zero
    if target > log.compactedIndex {
      log.compact(through: target)
      snapshotBookkeeping.pendingCompaction = target
    }
  }

  /// Writing the snapshot asked for in ``Ready/snapshotToTake`` failed; the engine asks again
  /// after another ``NodeConfiguration/snapshotThreshold`` applied entries.
  public mutating func snapshotFailed() {
    snapshotBookkeeping.taking = false
    snapshotBookkeeping.lastFailedAttempt = appliedIndex
  }

  /// The ``Ready/snapshotToTake`` of this call to ``ready()``, if the threshold is reached.
  mutating func takeSnapshotRequest() -> SnapshotRequest? {
    guard let threshold = configuration.snapshotThreshold, !snapshotBookkeeping.taking,
      snapshotBookkeeping.restore == nil
    else { return nil }
    let base = max(snapshot?.lastIncludedIndex ?? .zero, snapshotBookkeeping.lastFailedAttempt)
    guard appliedIndex.rawValue >= base.rawValue + UInt64(threshold), let term = log.term(at: appliedIndex) else {
      return nil
    }
    snapshotBookkeeping.taking = true
    return SnapshotRequest(index: appliedIndex, term: term, members: configuration.members)
  }

  // MARK: Restoring

  /// The ``Ready/snapshotToRestore`` of this call to ``ready()``: the snapshot to restore once
  /// the write installing it is durable. Until then no committed entry is handed out.
  mutating func takeSnapshotToRestore() -> SnapshotMetadata? {
    guard let restore = snapshotBookkeeping.restore, snapshotBookkeeping.restoreSubmitted,
      snapshotBookkeeping.restoreWaitsFor == nil
    else { return nil }
    snapshotBookkeeping.restore = nil
    appliedIndex = max(appliedIndex, restore.lastIncludedIndex)
    return restore
  }

  /// Whether committed entries wait for a snapshot to be restored first.
  var isAwaitingRestore: Bool { snapshotBookkeeping.restore != nil }

  /// The snapshot writes and compaction for the persistence request `id` being built.
  mutating func takeSnapshotWrites(for id: PersistenceID) -> (writes: [SnapshotWrite], compaction: LogIndex?) {
    let writes = snapshotBookkeeping.pendingWrites
    let compaction = snapshotBookkeeping.pendingCompaction
    if !writes.isEmpty { snapshotBookkeeping.pendingWrites = [] }
    snapshotBookkeeping.pendingCompaction = nil
    if !snapshotBookkeeping.restoreSubmitted, writes.contains(where: { if case .install = $0 { true } else { false } })
    {
      snapshotBookkeeping.restoreSubmitted = true
      snapshotBookkeeping.restoreWaitsFor = id
    }
    return (writes, compaction)
  }

  var hasPendingSnapshotWrites: Bool {
    !snapshotBookkeeping.pendingWrites.isEmpty || snapshotBookkeeping.pendingCompaction != nil
  }

  /// A heartbeat reply from `peer`, which is being sent the snapshot: see
  /// ``SnapshotTransfer/noteHeartbeatReply()``.
  mutating func noteHeartbeatReplyDuringSnapshot(from peer: NodeID) {
    snapshotBookkeeping.transfers[peer]?.noteHeartbeatReply()
  }

  /// Storage made every request through `id` durable.
  mutating func noteSnapshotWritesDurable(through id: PersistenceID) {
    if let waiting = snapshotBookkeeping.restoreWaitsFor, waiting <= id {
      snapshotBookkeeping.restoreWaitsFor = nil
    }
  }

  /// The chunks to send, handed out once.
  mutating func takeSnapshotChunks() -> [OutgoingSnapshotChunk] {
    guard !snapshotBookkeeping.outgoingChunks.isEmpty else { return [] }
    defer { snapshotBookkeeping.outgoingChunks = [] }
    return snapshotBookkeeping.outgoingChunks
  }

  // MARK: Leader: sending a snapshot

  /// How many chunks may be in flight to one follower.
  var snapshotWindow: Int {
    max(1, min(configuration.maxInflightAppends, configuration.maxInflightBytes / configuration.maxSnapshotChunkBytes))
  }

  /// Sends the next chunk of the leader's snapshot to `peer`, whose next entry is compacted
  /// away, if its window allows.
  /// - Returns: whether a chunk was sent.
  mutating func sendSnapshotChunk(to peer: NodeID) -> Bool {
    guard let snapshot, let sending = progress[peer]?.isSendingSnapshot else { return false }
    // A new transfer, or a newer snapshot replaced the one being sent (storage keeps only the
    // latest).
    if !sending || snapshotBookkeeping.transfers[peer]?.metadata != snapshot {
      updateProgress(of: peer) { $0.isSendingSnapshot = true }
      snapshotBookkeeping.transfers[peer] = SnapshotTransfer(metadata: snapshot)
    }
    guard
      let chunk = snapshotBookkeeping.transfers[peer]!.nextChunk(
        maxChunkBytes: configuration.maxSnapshotChunkBytes, window: snapshotWindow)
    else { return false }
    statistics.snapshotChunksSent += 1
    statistics.snapshotBytesSent += chunk.count
    snapshotBookkeeping.outgoingChunks.append(
      OutgoingSnapshotChunk(
        to: peer, from: id, term: term, metadata: snapshot, offset: chunk.offset, count: chunk.count))
    return true
  }

  mutating func handleSnapshotResponse(_ response: SnapshotResponse, from peer: NodeID) {
    guard progress[peer]?.isSendingSnapshot == true, snapshotBookkeeping.transfers[peer]?.metadata == response.metadata
    else { return }
    let index = response.metadata.lastIncludedIndex
    var installed = false
    var hole: (offset: UInt64, count: Int)?
    updateProgress(of: peer) { $0.recentlyActive = true }
    switch response.result {
    case .received(let offset):
      snapshotBookkeeping.transfers[peer]!.acknowledge(offset)
    case .position(let offset):
      snapshotBookkeeping.transfers[peer]!.resume(at: offset)
    case .gap(let offset):
      hole = snapshotBookkeeping.transfers[peer]!.fillHole(
        at: offset, maxChunkBytes: configuration.maxSnapshotChunkBytes)
    case .checksumMismatch:
      snapshotBookkeeping.transfers[peer]!.restart()
      statistics.snapshotTransfersRestarted += 1
    case .installed:
      snapshotBookkeeping.transfers[peer] = nil
      updateProgress(of: peer) { peerProgress in
        peerProgress.isSendingSnapshot = false
        _ = peerProgress.acknowledge(through: index)
        peerProgress.becomeReplicate()
      }
      installed = true
    }
    if let hole {
      statistics.snapshotChunksSent += 1
      statistics.snapshotBytesSent += hole.count
      snapshotBookkeeping.outgoingChunks.append(
        OutgoingSnapshotChunk(
          to: peer, from: id, term: term, metadata: response.metadata, offset: hole.offset, count: hole.count))
    }
    if installed && advanceCommitIndex() {
      broadcastAppend(sendIfEmpty: true)
    } else if installed {
      sendAppend(to: peer, sendIfEmpty: true)
    }
    while sendAppend(to: peer, sendIfEmpty: false) {}
  }

  // MARK: Follower: receiving a snapshot

  mutating func handleInstallSnapshot(_ chunk: InstallSnapshot, from leaderID: NodeID) {
    let metadata = chunk.metadata
    // Everything it covers is committed here already, so the logs match through it.
    if metadata.lastIncludedIndex <= commitIndex {
      snapshotBookkeeping.incoming = nil
      respondToSnapshot(metadata, .installed, to: leaderID)
      return
    }
    if snapshotBookkeeping.incoming?.metadata != metadata {
      snapshotBookkeeping.incoming = IncomingSnapshot(metadata: metadata)
    }
    let received = snapshotBookkeeping.incoming!.received
    let end = chunk.offset + UInt64(chunk.data.count)
    guard end <= metadata.size else { return }  // a chunk past the announced size is malformed
    if chunk.data.isEmpty && received < metadata.size {
      respondToSnapshot(metadata, .position(offset: received), to: leaderID)
      return
    }
    if chunk.offset > received {
      let window = snapshotWindow
      snapshotBookkeeping.incoming!.setAside(
        offset: chunk.offset, data: chunk.data, maxChunks: window,
        maxBytesAhead: UInt64(window) * UInt64(configuration.maxSnapshotChunkBytes))
      respondToSnapshot(metadata, .gap(offset: received), to: leaderID)
      return
    }
    if end <= received && !(chunk.data.isEmpty && received == metadata.size) {
      respondToSnapshot(metadata, .received(offset: received), to: leaderID)
      return
    }
    storeContinuation(offset: chunk.offset, data: chunk.data)
    // Chunks set aside while this one was missing may continue it now.
    while let next = snapshotBookkeeping.incoming!.takeContinuation() {
      storeContinuation(offset: next.offset, data: next.data)
    }
    let now = snapshotBookkeeping.incoming!.received
    if now == metadata.size {
      completeIncomingSnapshot(from: leaderID)
    } else {
      respondToSnapshot(metadata, .received(offset: now), to: leaderID)
    }
  }

  /// Hands to storage the part of a chunk that continues what was received (it may overlap
  /// it, if another leader chunked differently).
  private mutating func storeContinuation(offset: UInt64, data: [UInt8]) {
    let incoming = snapshotBookkeeping.incoming!
    let received = incoming.received
    guard offset <= received, offset + UInt64(data.count) > received else { return }
    let fresh = offset == received ? data : Array(data[Int(received - offset)...])
    snapshotBookkeeping.incoming!.checksum.update(fresh)
    snapshotBookkeeping.incoming!.received = received + UInt64(fresh.count)
    snapshotBookkeeping.pendingWrites.append(.chunk(incoming.metadata, offset: received, data: fresh))
  }

  private mutating func completeIncomingSnapshot(from leaderID: NodeID) {
    let incoming = snapshotBookkeeping.incoming!
    let metadata = incoming.metadata
    snapshotBookkeeping.incoming = nil
    guard incoming.checksum.value == metadata.checksum else {
      statistics.snapshotChecksumMismatches += 1
      respondToSnapshot(metadata, .checksumMismatch, to: leaderID)
      return
    }
    let index = metadata.lastIncludedIndex
    // Keep a longer suffix that matches; a log that conflicts or stops short is discarded.
    let retainsLog = log.term(at: index) == metadata.lastIncludedTerm
    if retainsLog {
      log.compact(through: index)
    } else {
      log.reset(afterSnapshotAt: index, term: metadata.lastIncludedTerm)
    }
    snapshotBookkeeping.pendingWrites.append(.install(metadata, retainsLog: retainsLog))
    snapshot = metadata
    commit(through: index)
    snapshotBookkeeping.restore = metadata
    snapshotBookkeeping.restoreSubmitted = false
    snapshotBookkeeping.restoreWaitsFor = nil
    statistics.snapshotsInstalled += 1
    respondToSnapshot(metadata, .installed, to: leaderID)
  }

  private mutating func respondToSnapshot(
    _ metadata: SnapshotMetadata, _ result: SnapshotResponse.Result, to leaderID: NodeID
  ) {
    // Held until every write issued so far is durable: the offsets it reports included.
    send(.snapshotResponse(SnapshotResponse(metadata: metadata, result: result)), to: leaderID)
  }
}
