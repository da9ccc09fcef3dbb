import Raft

extension Simulation where Machine: RegisterReadable {
  /// Starts a linearizable read of register `key` on `node`, as a client would. The node's
  /// engine confirms it through ReadIndex; once it is safe the simulation runs it against the
  /// node's state machine and checks it against every write clients saw complete
  /// (``Invariant/linearizableReads``). Follow it with ``readStatus(_:)``.
  /// - Throws: ``ReadRejection`` if the node is down or paused, or knows no leader.
  @discardableResult
  public func startRead(of key: String, on node: NodeID) throws(ReadRejection) -> ClientRead {
    let position = slot(of: node)
    guard nodes[position].isUp else { throw .crashed(node) }
    guard !nodes[position].isPaused else { throw .paused(node) }
    let id = ReadRequestID(clientRequests.nextReadID)
    clientRequests.nextReadID += 1
    do {
      try nodes[position].engine.requestRead(id)
    } catch {
      trace(node, .note("client read \(id) of '\(key)' refused: \(error)"))
      throw .refused(error)
    }
    clientRequests.reads[id] = ClientRequests.Read(node: node, key: key, startedAt: now)
    readQueries[id] = { machine in machine.register(key) }
    trace(node, .note("client read \(id) of '\(key)' started"))
    queue.schedule(.flush(node: position, incarnation: nodes[position].incarnation), at: now)
    return ClientRead(id: id, node: node, key: key)
  }

  /// Starts a read of `key` on `node` and runs until it is answered, for at most `timeoutTicks`.
  /// - Returns: the read's status (still ``ClientReadStatus/pending`` if the time ran out).
  public func read(_ key: String, on node: NodeID, timeoutTicks: Int = 100) throws(SimulationFailure)
    -> ClientReadStatus
  {
    let read: ClientRead
    do {
      read = try startRead(of: key, on: node)
    } catch {
      return .failed(error)
    }
    try run(timeoutTicks: timeoutTicks) { $0.readStatus(read) != .pending }
    return readStatus(read)
  }
}

extension Simulation {
  /// Where `read` stands.
  public func readStatus(_ read: ClientRead) -> ClientReadStatus { clientRequests.reads[read.id]?.status ?? .pending }

  /// The history checker of this run's reads and register writes.
  public var linearizability: LinearizabilityChecker { clientRequests.linearizability }

  /// Client reads served and failed so far.
  public var readCounts: (served: Int, failed: Int) { (clientRequests.readsServed, clientRequests.readsFailed) }

  /// Proposes `command` on `node`, leader or not: a follower forwards it to its leader (see
  /// ``Raft/RaftEngine/propose(_:id:)``). Either way, once the proposing node applies the entry
  /// it was placed at, the proposal counts as reported committed.
  /// - Throws: ``ProposalRejection`` if the node is down or paused, or refuses.
  @discardableResult
  public func propose(_ command: [UInt8], via node: NodeID) throws(ProposalRejection) -> ClientProposal {
    let position = slot(of: node)
    guard nodes[position].isUp else { throw .crashed(node) }
    guard !nodes[position].isPaused else { throw .paused(node) }
    let id = ProposalID(clientRequests.nextProposalID)
    clientRequests.nextProposalID += 1
    let placement: ProposalPlacement
    do {
      placement = try nodes[position].engine.propose(command, id: id)
    } catch {
      trace(node, .proposed(command, outcome: "refused, \(error)"))
      throw .refused(error)
    }
    recordWriteStarted(command)
    queue.schedule(.flush(node: position, incarnation: nodes[position].incarnation), at: now)
    switch placement {
    case .appended(let index, let term):
      nodes[position].pendingProposals[index] = term
      trace(node, .proposed(command, outcome: "index \(index) term \(term)"))
      return .appended(Proposal(node: node, index: index, term: term))
    case .forwarded(let leader):
      clientRequests.forwarded[id] = ClientRequests.Forwarded(node: node, command: command)
      trace(node, .proposed(command, outcome: "\(id) forwarded to n\(leader)"))
      return .forwarded(id, to: leader)
    }
  }

  /// What became of the forwarded proposal `id`; nil if no proposal was forwarded with it.
  public func forwardedProposalStatus(_ id: ProposalID) -> ForwardedProposalStatus? {
    clientRequests.forwarded[id]?.status
  }

  /// Asks `leader` to hand its leadership to `target` (``Raft/RaftEngine/transferLeadership(to:)``).
  /// - Throws: ``Raft/LeadershipTransferError`` if `leader` is down, paused, or refuses.
  public func transferLeadership(from leader: NodeID, to target: NodeID) throws(LeadershipTransferError) {
    let position = slot(of: leader)
    guard nodes[position].isUp, !nodes[position].isPaused else { throw .notLeader(leaderHint: nil) }
    try nodes[position].engine.transferLeadership(to: target)
    clientRequests.transfersStarted += 1
    trace(leader, .note("leadership transfer to n\(target) started"))
    queue.schedule(.flush(node: position, incarnation: nodes[position].incarnation), at: now)
  }

  // MARK: Bookkeeping called by the event loop

  /// Register writes enter the linearizability history when a client starts them.
  func recordWriteStarted(_ command: [UInt8]) {
    guard let (key, value) = RegisterStore.parseWrite(command) else { return }
    clientRequests.linearizability.writeStarted(key: key, value: value, at: now)
  }

  /// The proposer applied its proposal's entry: the client hears its write completed.
  func recordWriteCompleted(_ entry: LogEntry) {
    guard let (key, value) = RegisterStore.parseWrite(entry.payload) else { return }
    clientRequests.linearizability.writeCompleted(key: key, value: value, index: entry.index, at: now)
  }

  /// Serves, fails and places what the engine of the node at `position` handed out.
  func handleClientOutputs(of ready: Ready, on position: Int) throws(SimulationFailure) {
    let node = nodes[position].id
    for read in ready.readsReady {
      guard var record = clientRequests.reads[read.id], record.status == .pending,
        let query = readQueries.removeValue(forKey: read.id)
      else { continue }
      let value = query(nodes[position].machine)
      record.status = .served(value, readIndex: read.index, at: now)
      clientRequests.reads[read.id] = record
      clientRequests.readsServed += 1
      trace(
        node,
        .note(
          "client read \(read.id) of '\(record.key)' served at index \(read.index): \(value.map(\.description) ?? "nothing")"
        ))
      do throws(InvariantViolation) {
        try clientRequests.linearizability.checkRead(
          key: record.key, startedAt: record.startedAt, endedAt: now, returned: value)
      } catch {
        try fail(error)
      }
    }
    for failed in ready.failedReads { failRead(failed.id, .refused(failed.error)) }
    for outcome in ready.proposalOutcomes {
      guard var record = clientRequests.forwarded[outcome.id], record.status == .pending else { continue }
      switch outcome.result {
      case .appended(let index, let term):
        record.status = .appended(Proposal(node: node, index: index, term: term))
        if let entry = nodes[position].appliedEntry(at: index) {
          // The answer came after the entry itself: the client hears of the commit now.
          if entry.term == term { reportCommitted(entry) }
        } else {
          nodes[position].pendingProposals[index] = term
        }
      case .failed(let error):
        record.status = .failed(.refused(error))
      }
      clientRequests.forwarded[outcome.id] = record
      trace(node, .note("client proposal \(outcome)"))
    }
  }

  /// The client of a proposal hears it committed.
  func reportCommitted(_ entry: LogEntry) {
    checker.recordCommittedProposal(entry)
    recordWriteCompleted(entry)
  }

  /// `node` crashed: its clients' reads and forwarded proposals get no answer.
  func abandonClientRequests(on node: NodeID) {
    for (id, record) in clientRequests.reads where record.node == node && record.status == .pending {
      failRead(id, .crashed(node))
    }
    for (id, record) in clientRequests.forwarded where record.node == node && record.status == .pending {
      clientRequests.forwarded[id]?.status = .failed(.crashed(node))
    }
  }

  private func failRead(_ id: ReadRequestID, _ rejection: ReadRejection) {
    guard clientRequests.reads[id]?.status == .pending else { return }
    clientRequests.reads[id]?.status = .failed(rejection)
    readQueries[id] = nil
    clientRequests.readsFailed += 1
    trace(clientRequests.reads[id]?.node, .note("client read \(id) failed: \(rejection)"))
  }
}
