extension RaftEngine {
  // MARK: ReadIndex (Raft thesis 6.4)

  /// Starts a linearizable read. The engine serves it without writing to the log: the leader
  /// records its commit index, confirms with a heartbeat round acknowledged by a quorum that it
  /// still leads, and waits until that index is applied; a follower asks the leader for the
  /// index and waits until it applied through it itself.
  ///
  /// The read comes back exactly once, in a later ``Ready``: in ``Ready/readsReady`` when the
  /// caller may run it against its state machine (after applying that Ready's committed
  /// entries), or in ``Ready/failedReads``. Reads requested between two calls to ``ready()``
  /// share one heartbeat round. A read not served within an election timeout fails with
  /// ``ReadError/timedOut(ticks:)``, so a leader cut off in a minority never answers one.
  ///
  /// - Parameter id: the caller's name for the read, handed back with the result.
  /// - Throws: ``ReadError/noLeader`` if this node neither leads nor knows a leader to ask.
  public mutating func requestRead(_ id: ReadRequestID) throws(ReadError) {
    switch role {
    case .leader:
      reads.pending.append(PendingRead(origin: .local(id), stage: leaderReadStage))
    case .follower where leader != nil:
      reads.pending.append(PendingRead(origin: .local(id), stage: .awaitingForward))
    default:
      throw .noLeader
    }
  }

  /// Where a read arriving at the leader starts: until an entry of its own term commits, its
  /// commit index may be behind what earlier leaders committed.
  private var leaderReadStage: PendingRead.Stage {
    log.term(at: commitIndex) == term ? .awaitingRound : .awaitingOwnTermCommit
  }

  mutating func handleReadIndexRequest(_ request: ReadIndexRequest, from peer: NodeID) {
    guard role == .leader else {
      send(
        .readIndexResponse(ReadIndexResponse(reads: request.reads, result: .refused(.notLeader(leaderHint: leader)))),
        to: peer)
      return
    }
    reads.pending.append(PendingRead(origin: .remote(from: peer, reads: request.reads), stage: leaderReadStage))
  }

  mutating func handleReadIndexResponse(_ response: ReadIndexResponse, from peer: NodeID) {
    let answered = Set(response.reads)
    for slot in reads.pending.indices {
      guard case .local(let id) = reads.pending[slot].origin, reads.pending[slot].stage == .forwarded(to: peer),
        answered.contains(id)
      else { continue }
      switch response.result {
      case .confirmed(let index): reads.pending[slot].stage = .awaitingApply(index: index)
      case .refused(let error): reads.failed.append(FailedRead(id: id, error: error))
      }
    }
    if case .refused = response.result {
      reads.pending.removeAll {
        if case .local(let id) = $0.origin, $0.stage == .forwarded(to: peer) { answered.contains(id) } else { false }
      }
    }
  }

  /// A follower echoed heartbeat round `context` in this leader's term.
  mutating func recordReadAcknowledgement(_ context: UInt64, from peer: NodeID) {
    guard context > 0, context > reads.acknowledgedContext[peer, default: 0] else { return }
    reads.acknowledgedContext[peer] = context
  }

  /// Moves reads along before ``ready()`` collects messages: starts one heartbeat round for
  /// every read waiting for one, answers followers whose reads a quorum confirmed, and sends a
  /// follower's new reads to the leader.
  mutating func advanceReads() {
    if role == .leader {
      advanceLeaderReads()
    } else {
      forwardReads()
    }
  }

  private mutating func advanceLeaderReads() {
    let ownTermCommitted = log.term(at: commitIndex) == term
    var startsRound = false
    for slot in reads.pending.indices {
      switch reads.pending[slot].stage {
      case .awaitingOwnTermCommit where ownTermCommitted:
        reads.pending[slot].stage = .awaitingRound
        startsRound = true
      case .awaitingRound:
        startsRound = true
      default:
        break
      }
    }
    if startsRound {
      reads.latestContext += 1
      let round = PendingRead.Stage.awaitingQuorum(context: reads.latestContext, index: commitIndex)
      for slot in reads.pending.indices where reads.pending[slot].stage == .awaitingRound {
        reads.pending[slot].stage = round
      }
      broadcastHeartbeat()
    }

    let confirmed = confirmedReadContext
    var answered = false
    for slot in reads.pending.indices {
      guard case .awaitingQuorum(let context, let index) = reads.pending[slot].stage, context <= confirmed else {
        continue
      }
      switch reads.pending[slot].origin {
      case .local:
        reads.pending[slot].stage = .awaitingApply(index: index)
      case .remote(let peer, let ids):
        send(.readIndexResponse(ReadIndexResponse(reads: ids, result: .confirmed(readIndex: index))), to: peer)
        answered = true
      }
    }
    if answered {
      reads.pending.removeAll {
        if case .remote = $0.origin, case .awaitingQuorum(let context, _) = $0.stage {
          context <= confirmed
        } else {
          false
        }
      }
    }
  }

  /// The latest round a quorum (this leader included) has echoed.
  private var confirmedReadContext: UInt64 {
    // Runs on every ready() while reads wait: sort in stack memory, not a new array.
    let peers = configuration.peers
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: peers.count + 1) { buffer in
      var contexts = buffer
      for (slot, peer) in peers.enumerated() {
        contexts.initializeElement(at: slot, to: reads.acknowledgedContext[peer, default: 0])
      }
      contexts.initializeElement(at: peers.count, to: reads.latestContext)
      contexts.sort(by: >)
      return contexts[configuration.quorum - 1]
    }
  }

  private mutating func forwardReads() {
    guard reads.pending.contains(where: { $0.stage == .awaitingForward }) else { return }
    guard role == .follower, let leader else {
      failReads { $0 == .awaitingForward ? .noLeader : nil }
      return
    }
    var ids: [ReadRequestID] = []
    for slot in reads.pending.indices where reads.pending[slot].stage == .awaitingForward {
      guard case .local(let id) = reads.pending[slot].origin else { continue }
      ids.append(id)
      reads.pending[slot].stage = .forwarded(to: leader)
    }
    send(.readIndex(ReadIndexRequest(reads: ids)), to: leader)
  }

  /// Hands out the confirmed reads this node has applied far enough for, and the failed ones;
  /// called by ``ready()`` once it has decided which entries this Ready applies.
  mutating func takeReadOutputs() -> (ready: [ReadyRead], failed: [FailedRead]) {
    let applied = appliedIndex
    // Built here and handed over whole: a stored list emptied after the hand-over would copy
    // its buffer on the next append.
    var ready: [ReadyRead] = []
    for read in reads.pending {
      guard case .awaitingApply(let index) = read.stage, index <= applied, case .local(let id) = read.origin else {
        continue
      }
      ready.append(ReadyRead(id: id, index: index))
    }
    if !ready.isEmpty {
      reads.pending.removeAll {
        if case .awaitingApply(let index) = $0.stage { index <= applied } else { false }
      }
    }
    var failed: [FailedRead] = []
    if !reads.failed.isEmpty { swap(&failed, &reads.failed) }
    return (ready, failed)
  }

  /// Ages every read; one older than an election timeout fails (a follower's forwarded reads
  /// are refused, so that it learns at once). A follower asks again for reads the leader has
  /// not answered in a while, since its request or the answer may have been lost; the leader
  /// answers every copy, and the follower takes the first answer.
  mutating func tickReads() {
    let limit = configuration.electionTimeoutTicks
    let resendInterval = max(2 * configuration.heartbeatIntervalTicks, limit / 3)
    var expired = false
    var unanswered: [ReadRequestID] = []
    for slot in reads.pending.indices {
      reads.pending[slot].age += 1
      let age = reads.pending[slot].age
      if age >= limit {
        expired = true
      } else if age % resendInterval == 0, reads.pending[slot].stage == .forwarded(to: leader ?? id),
        case .local(let read) = reads.pending[slot].origin
      {
        unanswered.append(read)
      }
    }
    if !unanswered.isEmpty, role == .follower, let leader {
      send(.readIndex(ReadIndexRequest(reads: unanswered)), to: leader)
    }
    guard expired else { return }
    for read in reads.pending where read.age >= limit {
      switch read.origin {
      case .local(let id): reads.failed.append(FailedRead(id: id, error: .timedOut(ticks: limit)))
      case .remote(let peer, let ids):
        send(.readIndexResponse(ReadIndexResponse(reads: ids, result: .refused(.timedOut(ticks: limit)))), to: peer)
      }
    }
    reads.pending.removeAll { $0.age >= limit }
  }

  /// The node's role, term or leader changed: reads not yet confirmed can no longer be (a
  /// leader's round counts only acknowledgements of its own leadership, and an old leader's
  /// answers to a follower are dropped as stale), so they fail now rather than time out.
  /// Confirmed reads stay: their index was valid when confirmed, and serving a later state is
  /// still linearizable.
  mutating func abandonUnconfirmedReads() {
    reads.latestContext = 0
    reads.acknowledgedContext.removeAll()
    guard !reads.pending.isEmpty else { return }
    reads.pending.removeAll { read in
      if case .awaitingApply = read.stage { return false }
      if case .local(let id) = read.origin { reads.failed.append(FailedRead(id: id, error: .leadershipLost)) }
      return true
    }
  }

  private mutating func failReads(_ error: (PendingRead.Stage) -> ReadError?) {
    reads.pending.removeAll { read in
      guard let failure = error(read.stage) else { return false }
      if case .local(let id) = read.origin { reads.failed.append(FailedRead(id: id, error: failure)) }
      return true
    }
  }
}
