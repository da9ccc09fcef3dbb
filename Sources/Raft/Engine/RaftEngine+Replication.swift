extension RaftEngine {
  // MARK: Leader

  /// Sends what each follower is missing; with `sendIfEmpty`, also an empty AppendEntries
  /// (to announce a new commit index or a new leader).
  mutating func broadcastAppend(sendIfEmpty: Bool) {
    for peer in configuration.peers {
      sendAppend(to: peer, sendIfEmpty: sendIfEmpty)
    }
  }

  /// Sends one AppendEntries to `peer` if its flow-control window allows.
  /// - Returns: whether a message was sent.
  @discardableResult
  mutating func sendAppend(to peer: NodeID, sendIfEmpty: Bool) -> Bool {
    guard var peerProgress = progress[peer],
      !peerProgress.isPaused(
        maxInflightAppends: configuration.maxInflightAppends, maxInflightBytes: configuration.maxInflightBytes)
    else { return false }
    let prevIndex = peerProgress.nextIndex - 1
    guard let prevTerm = log.term(at: prevIndex) else {
      preconditionFailure("progress of \(peer) points outside the log (next \(peerProgress.nextIndex))")
    }
    let entries = log.entries(
      from: peerProgress.nextIndex, maxCount: configuration.maxEntriesPerAppend,
      maxBytes: configuration.maxBytesPerAppend)
    if entries.isEmpty && !sendIfEmpty { return false }

    switch peerProgress.state {
    case .replicate:
      if let last = entries.last {
        peerProgress.recordSent(lastIndex: last.index, bytes: entries.reduce(0) { $0 + $1.budgetBytes })
      }
    case .probe:
      peerProgress.probeSent = true
    }
    progress[peer] = peerProgress
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
      send(.heartbeat(Heartbeat(commitIndex: commit)), to: peer)
    }
  }

  mutating func handleAppendResponse(_ response: AppendResponse, from peer: NodeID) {
    guard var peerProgress = progress[peer] else { return }
    peerProgress.recentlyActive = true
    switch response.result {
    case .accepted(let matchIndex):
      let wasPaused = peerProgress.isPaused(
        maxInflightAppends: configuration.maxInflightAppends, maxInflightBytes: configuration.maxInflightBytes)
      let advanced = peerProgress.acknowledge(through: matchIndex)
      if peerProgress.state == .probe && (advanced || peerProgress.matchIndex == matchIndex) {
        if peerProgress.rejectionsInCatchUp > 0 {
          statistics.catchUps += 1
          statistics.catchUpRoundTrips += peerProgress.rejectionsInCatchUp + 1
          peerProgress.rejectionsInCatchUp = 0
        }
        peerProgress.becomeReplicate()
      }
      progress[peer] = peerProgress
      if advanced && advanceCommitIndex() {
        broadcastAppend(sendIfEmpty: true)
      } else if wasPaused {
        // A paused follower was skipped when the commit index last moved: tell it now, even
        // with nothing new to send, or it learns the commit only at the next heartbeat.
        sendAppend(to: peer, sendIfEmpty: true)
      }
      while sendAppend(to: peer, sendIfEmpty: false) {}

    case .rejected(let rejectedIndex, let hint):
      // A rejection of a request older than what we already know matched is stale.
      let stale =
        switch peerProgress.state {
        case .replicate: rejectedIndex <= peerProgress.matchIndex
        case .probe: rejectedIndex != peerProgress.nextIndex - 1
        }
      guard !stale else {
        progress[peer] = peerProgress
        return
      }
      let suggested = configuration.backtracking.nextIndex(afterRejectionAt: rejectedIndex, hint: hint, leaderLog: log)
      peerProgress.becomeProbe()
      peerProgress.nextIndex = max(peerProgress.matchIndex + 1, min(suggested, rejectedIndex))
      peerProgress.rejectionsInCatchUp += 1
      progress[peer] = peerProgress
      sendAppend(to: peer, sendIfEmpty: true)
    }
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
    if progress[peer]!.matchIndex < log.lastIndex {
      sendAppend(to: peer, sendIfEmpty: true)
    }
  }

  /// Commits the highest index stored on a quorum, counting the leader's own log only as far
  /// as it is durable, and only if that entry is of the current term (Figure 8).
  /// - Returns: whether the commit index moved.
  mutating func advanceCommitIndex() -> Bool {
    var matches = configuration.peers.map { progress[$0]?.matchIndex ?? .zero }
    matches.append(log.persistedIndex)
    matches.sort(by: >)
    let candidate = matches[configuration.quorum - 1]
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
    send(.heartbeatResponse, to: leaderID)
  }
}
