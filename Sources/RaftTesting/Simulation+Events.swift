import Raft

extension Simulation {
  func handle(_ event: SimulationEvent) throws(SimulationFailure) {
    switch event {
    case .tick(let position, let incarnation):
      guard nodes[position].isUp, nodes[position].incarnation == incarnation else { return }
      queue.schedule(.tick(node: position, incarnation: incarnation), at: now + options.tickInterval)
      // A paused process's timers do not run.
      guard !nodes[position].isPaused else { return }
      nodes[position].engine.tick()
      try settle(position)

    case .arrival(let message, let sentAt):
      let position = slot(of: message.to)
      guard linkIsOpen(from: slot(of: message.from), to: position) else {
        count(\.blocked, message)
        trace(message.to, .lost(message, reason: "blocked by partition"))
        return
      }
      guard nodes[position].isUp else {
        trace(message.to, .lost(message, reason: "node is down"))
        return
      }
      guard !nodes[position].isPaused else {
        nodes[position].inboxWhilePaused.append(message)
        return
      }
      trace(message.to, .received(message, sentAt: sentAt))
      nodes[position].engine.step(message)
      try settle(position)

    case .fsync(let position, let incarnation):
      guard nodes[position].isUp, nodes[position].incarnation == incarnation else { return }
      nodes[position].fsyncPending = false
      // The disk finishes its work even while the process is paused; the process learns of it
      // when it runs again.
      nodes[position].storage.sync()
      guard !nodes[position].isPaused else { return }
      try acknowledgeDurableWrites(of: position)

    case .flush(let position, let incarnation):
      guard nodes[position].isUp, nodes[position].incarnation == incarnation, !nodes[position].isPaused else { return }
      try settle(position)
    }
  }

  /// Tells the engine about writes its storage made durable.
  func acknowledgeDurableWrites(of position: Int) throws(SimulationFailure) {
    guard let id = nodes[position].durability.take() else { return }
    trace(nodes[position].id, .synced(through: id))
    nodes[position].engine.acknowledgePersisted(through: id)
    try settle(position)
  }

  /// After an input to a node: checks what changed, then does the work the engine hands out.
  func settle(_ position: Int) throws(SimulationFailure) {
    try observe(position)
    let ready = nodes[position].engine.ready()
    if let request = ready.persistence { try write(request, on: position) }
    for message in ready.messages { send(message) }
    for chunk in ready.snapshotChunks { sendSnapshotChunk(chunk, from: position) }
    if let snapshot = ready.snapshotToRestore { try restoreSnapshot(snapshot, on: position) }
    for entry in ready.committedEntries { try apply(entry, on: position) }
    if !ready.readsReady.isEmpty || !ready.failedReads.isEmpty || !ready.proposalOutcomes.isEmpty {
      try handleClientOutputs(of: ready, on: position)
    }
    if let request = ready.snapshotToTake { try takeSnapshot(request, on: position) }
  }

  /// Reports role, term and commit changes to the checker and the trace.
  private func observe(_ position: Int) throws(SimulationFailure) {
    let id = nodes[position].id
    let role = nodes[position].engine.role
    let term = nodes[position].engine.term
    let leader = nodes[position].engine.leader
    let (previousRole, previousTerm) = (nodes[position].observedRole, nodes[position].observedTerm)
    if role != previousRole || term != previousTerm || leader != nodes[position].observedLeader {
      nodes[position].observedRole = role
      nodes[position].observedTerm = term
      nodes[position].observedLeader = leader
      trace(id, .roleChanged(role, term: term, leader: leader))
      if role == .leader && (previousRole != .leader || previousTerm != term) {
        let entryAt = entryLookup(on: position)
        do throws(InvariantViolation) {
          try checker.recordLeader(id, term: term, entryAt: entryAt)
        } catch {
          try fail(error)
        }
      }
    }
    let commitIndex = nodes[position].engine.commitIndex
    if commitIndex != nodes[position].observedCommitIndex {
      nodes[position].observedCommitIndex = commitIndex
      trace(id, .committed(commitIndex))
      let entryAt = entryLookup(on: position)
      let knownBefore = checker.highestCommittedIndex
      do throws(InvariantViolation) {
        try checker.recordCommitIndex(
          commitIndex, on: id, leaderTerm: role == .leader ? term : nil, term: term, entryAt: entryAt)
        if checker.highestCommittedIndex > knownBefore {
          try verifyDurability(ofCommitted: (knownBefore + 1)...checker.highestCommittedIndex)
        }
      } catch {
        try fail(error)
      }
    }
  }

  /// Entries first known committed must already be durable on a majority.
  private func verifyDurability(ofCommitted indexes: ClosedRange<LogIndex>) throws(InvariantViolation) {
    let durable = nodes.map { $0.storage.durableState }
    for index in indexes {
      let entry = checker.committedEntry(at: index)!
      // A durable snapshot past the index holds it too: snapshots cover committed entries only
      // (checked when one is restored).
      let holders = nodes.indices.filter {
        durable[$0].entry(at: index) == entry
          || durable[$0].snapshot.map { $0.lastIncludedIndex >= index } ?? false
      }
      try checker.verifyDurableQuorum(
        for: entry, durableNodes: holders.map { nodes[$0].id }, clusterSize: nodes.count)
    }
  }

  private func write(_ request: PersistenceRequest, on position: Int) throws(SimulationFailure) {
    let id = nodes[position].id
    if let first = request.entries.first {
      let previousTerm = nodes[position].engine.log.term(at: first.index - 1) ?? .zero
      do throws(InvariantViolation) {
        try checker.recordAppended(request.entries, after: previousTerm, on: id)
      } catch {
        try fail(error)
      }
    }
    trace(id, .persisted(request))
    let durability = nodes[position].durability
    let requestID = request.id
    nodes[position].storage.persist(request) { result in
      if case .success = result { durability.report(requestID) }
    }
    if !nodes[position].fsyncPending {
      nodes[position].fsyncPending = true
      let latency = randomDuration(in: options.fsyncLatency)
      queue.schedule(.fsync(node: position, incarnation: nodes[position].incarnation), at: now + latency)
    }
  }

  private func apply(_ entry: LogEntry, on position: Int) throws(SimulationFailure) {
    let id = nodes[position].id
    do throws(InvariantViolation) {
      try checker.recordApplied(entry, on: id)
    } catch {
      try fail(error)
    }
    var result: [UInt8]?
    if entry.kind == .command {
      result = nodes[position].machine.apply(entry.payload, at: entry.index)
    }
    nodes[position].applied.append((entry, result))
    trace(id, .applied(entry))
    if let term = nodes[position].pendingProposals.removeValue(forKey: entry.index), term == entry.term {
      // Only the leader of `term` creates entries of that term, so this is the proposal: its
      // client now hears it committed.
      reportCommitted(entry)
    }
  }

  /// Hands a message to the network, which decides its fate now.
  func send(_ message: Message) {
    traffic.count(message)
    trafficByNode[slot(of: message.from)].count(message)
    guard linkIsOpen(from: slot(of: message.from), to: slot(of: message.to)) else {
      count(\.blocked, message)
      trace(message.from, .sent(message, fate: .blocked))
      return
    }
    if chance(network.dropProbability) {
      count(\.dropped, message)
      trace(message.from, .sent(message, fate: .dropped))
      return
    }
    let arrival = now + randomDelay()
    queue.schedule(.arrival(message, sentAt: now), at: arrival)
    if chance(network.duplicateProbability) {
      let copyArrival = now + randomDelay()
      queue.schedule(.arrival(message, sentAt: now), at: copyArrival)
      count(\.duplicated, message)
      trace(message.from, .sent(message, fate: .duplicated(at: arrival, copyAt: copyArrival)))
    } else {
      trace(message.from, .sent(message, fate: .delivered(at: arrival)))
    }
  }

  private func count(_ counter: WritableKeyPath<TrafficCounters, Int>, _ message: Message) {
    traffic[keyPath: counter] += 1
    trafficByNode[slot(of: message.from)][keyPath: counter] += 1
  }

  private func randomDelay() -> VirtualTime {
    chance(network.longDelayProbability) ? randomDuration(in: network.longDelay) : randomDuration(in: network.delay)
  }

  func linkIsOpen(from sender: Int, to receiver: Int) -> Bool {
    connected[sender] && connected[receiver] && !blocked[sender][receiver]
  }
}
