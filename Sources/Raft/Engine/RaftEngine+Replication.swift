extension RaftEngine {
  // MARK: Leader

  /// Sends what each follower is missing, as far as its window allows; with `sendIfEmpty`, also
  /// an empty AppendEntries (to announce a new commit index or a new leader).
  mutating func broadcastAppend(sendIfEmpty: Bool) {
    for peer in configuration.peers {
      guard sendAppend(to: peer, sendIfEmpty: sendIfEmpty) else { continue }
      // More than one batch pending: fill the window now rather than a round trip later.
      while sendAppend(to: peer, sendIfEmpty: false) {}
    }
  }

  /// Sends one AppendEntries to `peer` if its flow-control window allows.
  /// - Returns: whether a message was sent.
  @discardableResult
  mutating func sendAppend(to peer: NodeID, sendIfEmpty: Bool) -> Bool {
    let maxInflightAppends = configuration.maxInflightAppends
    let maxInflightBytes = configuration.maxInflightBytes
    guard
      let nextIndex = progress[peer].flatMap({
        $0.isSendingSnapshot
          ? .zero
          : $0.isPaused(maxInflightAppends: maxInflightAppends, maxInflightBytes: maxInflightBytes) ? nil : $0.nextIndex
      })
    else { return false }
    // The follower needs entries compacted away (or is being sent the snapshot already).
    guard nextIndex > log.compactedIndex, let prevTerm = log.term(at: nextIndex - 1) else {
      return sendSnapshotChunk(to: peer)
    }
    let prevIndex = nextIndex - 1
    let entries = log.entries(
      from: nextIndex, maxCount: configuration.maxEntriesPerAppend, maxBytes: configuration.maxBytesPerAppend)
    if entries.isEmpty && !sendIfEmpty { return false }

    updateProgress(of: peer) { peerProgress in
      switch peerProgress.state {
      case .replicate:
        if let last = entries.last {
          peerProgress.recordSent(lastIndex: last.index, bytes: entries.reduce(0) { $0 + $1.budgetBytes })
        }
      case .probe:
        peerProgress.probeSent = true
      }
    }
    statistics.appendMessagesSent += 1
    statistics.entriesSent += entries.count
    let append = AppendEntries(
      prevLogIndex: prevIndex, prevLogTerm: prevTerm, entries: entries, leaderCommit: commitIndex)
    send(.appendEntries(append), to: peer)
    return true
  }

  mutating func broadcastHeartbeat() {
    for peer in configuration.peers {
      guard let peerProgress = progress[peer] else { continue }
      // Capped at what the follower holds, so it can commit without a consistency check.
      let commit = min(peerProgress.matchIndex, commitIndex)
      statistics.appendMessagesSent += 1
      send(.heartbeat(Heartbeat(commitIndex: commit, readContext: reads.latestContext)), to: peer)
    }
  }

  mutating func handleAppendResponse(_ response: AppendResponse, from peer: NodeID) {
    switch response.result {
    case .accepted(let matchIndex):
      let maxInflightAppends = configuration.maxInflightAppends
      let maxInflightBytes = configuration.maxInflightBytes
      let compactedIndex = log.compactedIndex
      let outcome = updateProgress(of: peer) {
        peerProgress -> (wasPaused: Bool, advanced: Bool, catchUpRejections: Int)? in
        // A late answer to an AppendEntries sent before a snapshot transfer began ends the
        // transfer only if the follower turns out to hold what follows the compaction point.
        if peerProgress.isSendingSnapshot {
          guard matchIndex >= compactedIndex else { return nil }
          peerProgress.isSendingSnapshot = false
        }
        peerProgress.recentlyActive = true
        let wasPaused = peerProgress.isPaused(
          maxInflightAppends: maxInflightAppends, maxInflightBytes: maxInflightBytes)
        let advanced = peerProgress.acknowledge(through: matchIndex)
        // The rejections of a catch-up that this acknowledgement completes.
        var catchUpRejections = 0
        if peerProgress.state == .probe && (advanced || peerProgress.matchIndex == matchIndex) {
          catchUpRejections = peerProgress.rejectionsInCatchUp
          peerProgress.rejectionsInCatchUp = 0
          peerProgress.becomeReplicate()
        }
        return (wasPaused: wasPaused, advanced: advanced, catchUpRejections: catchUpRejections)
      }
      guard let outcome = outcome ?? nil else { return }
      if outcome.catchUpRejections > 0 {
        statistics.catchUps += 1
        statistics.catchUpRoundTrips += outcome.catchUpRejections + 1
      }
      if outcome.advanced && advanceCommitIndex() {
        broadcastAppend(sendIfEmpty: true)
      } else if outcome.wasPaused {
        // Commit-index broadcasts skipped this follower while it was paused: send even if empty.
        sendAppend(to: peer, sendIfEmpty: true)
      }
      while sendAppend(to: peer, sendIfEmpty: false) {}

    case .rejected(let rejectedIndex, let hint):
      // A rejection of a request older than what we already know matched is stale.
      let stale = updateProgress(of: peer) { peerProgress in
        peerProgress.recentlyActive = true
        // The snapshot transfer owns the follower until it ends.
        if peerProgress.isSendingSnapshot { return true }
        return switch peerProgress.state {
        case .replicate: rejectedIndex <= peerProgress.matchIndex
        case .probe: rejectedIndex != peerProgress.nextIndex - 1
        }
      }
      guard stale == false else { return }
      let suggested = configuration.backtracking.nextIndex(afterRejectionAt: rejectedIndex, hint: hint, leaderLog: log)
      updateProgress(of: peer) { peerProgress in
        peerProgress.becomeProbe()
        peerProgress.nextIndex = max(peerProgress.matchIndex + 1, min(suggested, rejectedIndex))
        peerProgress.rejectionsInCatchUp += 1
      }
      sendAppend(to: peer, sendIfEmpty: true)
    }
  }

  /// Changes the progress of `peer` in place. Changing a copy instead would copy its in-flight
  /// queue (the dictionary still shares it): one allocation per AppendEntries and per answer.
  /// - Returns: what `change` returns, or nil if `peer` has no progress.
  @discardableResult
  mutating func updateProgress<Result>(of peer: NodeID, _ change: (inout Progress) -> Result) -> Result? {
    guard let slot = progress.index(forKey: peer) else { return nil }
    return change(&progress.values[slot])
  }

  mutating func handleHeartbeatResponse(from peer: NodeID) {
    guard progress[peer] != nil else { return }
    progress[peer]!.recentlyActive = true
    // A reply proves the follower is reachable while it still lacks entries: the AppendEntries
    // carrying them may have been lost. Let one more through (a paused probe, or the oldest
    // slot of a full window); if the follower misses its predecessor it rejects, and the
    // leader falls back to probing instead of waiting forever for acknowledgements.
    progress[peer]!.unpauseAfterHeartbeat(
      maxInflightAppends: configuration.maxInflightAppends, maxInflightBytes: configuration.maxInflightBytes)
    if progress[peer]!.isSendingSnapshot { noteHeartbeatReplyDuringSnapshot(from: peer) }
    if progress[peer]!.matchIndex < log.lastIndex {
      sendAppend(to: peer, sendIfEmpty: true)
    }
  }

  /// Commits the highest index stored on a quorum, counting the leader's own log only as far
  /// as it is durable, and only if that entry is of the current term (Figure 8).
  /// - Returns: whether the commit index moved.
  mutating func advanceCommitIndex() -> Bool {
    // Runs on every acknowledgement: sort the match indexes in stack memory, not a new array.
    let peers = configuration.peers
    let candidate = withUnsafeTemporaryAllocation(of: LogIndex.self, capacity: peers.count + 1) { buffer in
      var matches = buffer
      for (slot, peer) in peers.enumerated() {
        matches.initializeElement(at: slot, to: progress[peer]?.matchIndex ?? .zero)
      }
      matches.initializeElement(at: peers.count, to: log.persistedIndex)
      matches.sort(by: >)
      return matches[configuration.quorum - 1]
    }
    guard candidate > commitIndex, log.term(at: candidate) == term else { return false }
    commit(through: candidate)
    return true
  }

  mutating func commit(through index: LogIndex) {
    guard index > commitIndex else { return }
    if role == .leader && uncommittedBytes > 0 {
      let released = log.entries(in: (commitIndex + 1)...index).reduce(0) { $0 + $1.budgetBytes }
      uncommittedBytes = max(0, uncommittedBytes - released)
    }
    commitIndex = index
  }

  // MARK: Follower

  mutating func handleAppendEntries(_ append: AppendEntries, from leaderID: NodeID) {
    // Already committed entries match the leader's log by the Leader Completeness property;
    // answering with our commit index lets a delayed request cause no damage.
    if append.prevLogIndex < commitIndex {
      send(.appendResponse(AppendResponse(result: .accepted(matchIndex: commitIndex))), to: leaderID)
      return
    }
    guard log.term(at: append.prevLogIndex) == append.prevLogTerm else {
      let hint = configuration.backtracking.conflictHint(rejecting: append.prevLogIndex, in: log)
      send(
        .appendResponse(AppendResponse(result: .rejected(rejectedIndex: append.prevLogIndex, hint: hint))), to: leaderID
      )
      return
    }
    if let changed = log.merge(append.entries) {
      precondition(changed > commitIndex, "a leader tried to overwrite committed entry \(changed)")
    }
    // Acknowledge exactly what this request covered: later entries in our log may still be
    // from an old term and unverified.
    let lastNewIndex = append.prevLogIndex + UInt64(append.entries.count)
    commit(through: min(append.leaderCommit, lastNewIndex))
    send(.appendResponse(AppendResponse(result: .accepted(matchIndex: lastNewIndex))), to: leaderID)
  }

  mutating func handleHeartbeat(_ heartbeat: Heartbeat, from leaderID: NodeID) {
    commit(through: min(heartbeat.commitIndex, log.lastIndex))
    send(.heartbeatResponse(HeartbeatResponse(readContext: heartbeat.readContext)), to: leaderID)
  }
}
