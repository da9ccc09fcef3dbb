extension RaftEngine {
  /// Queues a message. A message that depends on local state (a vote, an acknowledgement, a
  /// new term) waits until every write issued before it is durable; a leader's AppendEntries
  /// and heartbeats and pre-vote requests do not, because the leader counts its own log only
  /// once durable and a pre-vote changes nothing (Raft thesis 10.2.1: the leader writes its
  /// log in parallel with replication). Nor does the answer to forwarded proposals: it names
  /// where each entry goes, a hint the follower checks against the entry it applies, and held
  /// back it could reach the follower after the followers alone committed the entry, when the
  /// follower had already applied it without knowing it was its own.
  mutating func send(_ body: MessageBody, to peer: NodeID, term messageTerm: Term? = nil) {
    let message = Message(from: id, to: peer, term: messageTerm ?? term, body: body)
    if sendsWithoutWaiting(body) {
      outbox.append(message)
    } else {
      heldMessages.append(message)
    }
  }

  private func sendsWithoutWaiting(_ body: MessageBody) -> Bool {
    switch body {
    case .appendEntries, .heartbeat: role == .leader
    case .voteRequest(let request): request.isPreVote
    case .forwardedProposalsResponse: true
    default: false
    }
  }

  /// Turns the state changed since the last request into a new request, and attaches the held
  /// messages to the newest write so they leave once it is durable.
  mutating func submitPersistence() -> PersistenceRequest? {
    let state = hardState
    let entries = log.takeUnsubmitted()
    let changedHardState = state != submittedHardState
    guard changedHardState || !entries.isEmpty || hasPendingSnapshotWrites else {
      if !heldMessages.isEmpty {
        if pendingWrites.isEmpty {
          outbox.append(contentsOf: heldMessages)
        } else {
          pendingWrites[pendingWrites.count - 1].messages.append(contentsOf: heldMessages)
        }
        heldMessages.removeAll(keepingCapacity: true)
      }
      return nil
    }
    let requestID = PersistenceID(rawValue: nextPersistenceID)
    nextPersistenceID += 1
    submittedHardState = state
    // An empty list is not handed over: sharing its buffer would make the next held message
    // copy it (a leader, whose writes hold no messages, paid an allocation per write).
    let messages = heldMessages.isEmpty ? [] : heldMessages
    pendingWrites.append(
      PendingWrite(id: requestID, logEndIndex: log.lastIndex, logEndTerm: log.lastTerm, messages: messages))
    if !messages.isEmpty { heldMessages.removeAll(keepingCapacity: true) }
    let snapshotWrites = hasPendingSnapshotWrites ? takeSnapshotWrites(for: requestID) : (writes: [], compaction: nil)
    return PersistenceRequest(
      id: requestID, hardState: changedHardState ? state : nil, entries: entries,
      snapshotWrites: snapshotWrites.writes, compactThrough: snapshotWrites.compaction)
  }
}
