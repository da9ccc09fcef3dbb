import Raft

extension Simulation {
  // MARK: Network faults

  /// Detaches `node` from the network, as MIT 6.824's `disconnect`: nothing it sends or is sent
  /// arrives, including messages already in flight.
  public func disconnect(_ node: NodeID) {
    connected[slot(of: node)] = false
    trace(node, .note("disconnected"))
  }

  /// Attaches `node` to the network again (links blocked by a partition stay blocked).
  public func connect(_ node: NodeID) {
    connected[slot(of: node)] = true
    trace(node, .note("connected"))
  }

  /// Whether `node` is attached to the network.
  public func isConnected(_ node: NodeID) -> Bool { connected[slot(of: node)] }

  /// Splits the network into `groups` that cannot reach each other (a symmetric partition),
  /// replacing earlier partitions and link blocks. A node in no group is cut off from everyone.
  public func partition(_ groups: [[NodeID]]) {
    var group = Array(repeating: -1, count: nodes.count)
    for (number, members) in groups.enumerated() {
      for member in members { group[slot(of: member)] = number }
    }
    for sender in nodes.indices {
      for receiver in nodes.indices {
        blocked[sender][receiver] = sender != receiver && (group[sender] == -1 || group[sender] != group[receiver])
      }
    }
    trace(nil, .note("partition " + groups.map { "{\($0.map { "n\($0)" }.joined(separator: ","))}" }.joined()))
  }

  /// Loses every message from `sender` to `receiver` while `receiver` still reaches `sender`
  /// (a one-way partition).
  public func block(from sender: NodeID, to receiver: NodeID) {
    blocked[slot(of: sender)][slot(of: receiver)] = true
    trace(nil, .note("block n\(sender)->n\(receiver)"))
  }

  /// Lets messages from `sender` to `receiver` through again.
  public func unblock(from sender: NodeID, to receiver: NodeID) {
    blocked[slot(of: sender)][slot(of: receiver)] = false
    trace(nil, .note("unblock n\(sender)->n\(receiver)"))
  }

  /// Whether a message sent now from `sender` to `receiver` could arrive.
  public func canReach(from sender: NodeID, to receiver: NodeID) -> Bool {
    linkIsOpen(from: slot(of: sender), to: slot(of: receiver))
  }

  /// Removes every partition and link block and reconnects every node. Loss, duplication and
  /// delays (``network``) stay as they are.
  public func healNetwork() {
    for sender in nodes.indices {
      connected[sender] = true
      for receiver in nodes.indices { blocked[sender][receiver] = false }
    }
    trace(nil, .note("network healed"))
  }

  // MARK: Node faults

  /// Whether `node` is running (not crashed). A paused node is running.
  public func isUp(_ node: NodeID) -> Bool { nodes[slot(of: node)].isUp }

  /// Whether `node` is paused.
  public func isPaused(_ node: NodeID) -> Bool { nodes[slot(of: node)].isPaused }

  /// Crashes `node`: it stops, and its storage keeps only what an fsync made durable; writes
  /// still waiting for one are lost. Messages it already sent still arrive. No effect on a
  /// crashed node.
  public func crash(_ node: NodeID) {
    let position = slot(of: node)
    guard nodes[position].isUp else { return }
    let lostWrites = nodes[position].storage.unsyncedWriteCount
    nodes[position].storage.crash()
    _ = nodes[position].durability.take()
    nodes[position].isUp = false
    nodes[position].isPaused = false
    nodes[position].inboxWhilePaused = []
    nodes[position].fsyncPending = false
    nodes[position].pendingProposals = [:]
    nodes[position].incarnation += 1
    trace(node, .crashed(lostWrites: lostWrites))
    abandonClientRequests(on: node)
  }

  /// Restarts a crashed `node` from its durable state, with a new engine and an empty state
  /// machine; the engine replays the committed log into it. No effect on a running node.
  /// - Throws: a ``SimulationFailure`` if the restarted node breaks an invariant.
  public func restart(_ node: NodeID) throws(SimulationFailure) {
    try throwIfFailed()
    let position = slot(of: node)
    guard !nodes[position].isUp else { return }
    let state: PersistentState
    do {
      state = try nodes[position].storage.recover()
    } catch {
      try fail(.expectationFailed, "n\(node) could not recover its storage: \(error)")
    }
    let engine = RaftEngine(configuration: nodes[position].configuration, restoring: state, seed: random.next())
    nodes[position].engine = engine
    nodes[position].machine = makeMachine()
    nodes[position].isUp = true
    nodes[position].applied = []
    nodes[position].observedRole = engine.role
    nodes[position].observedTerm = engine.term
    nodes[position].observedLeader = engine.leader
    nodes[position].observedCommitIndex = engine.commitIndex
    trace(node, .restarted(state))
    do throws(InvariantViolation) {
      try checker.recordRestart(
        of: node, recoveredCommitIndex: state.hardState.commitIndex, commitIndex: engine.commitIndex)
      try checker.recordCommitIndex(
        engine.commitIndex, on: node, leaderTerm: nil, term: engine.term, entryAt: entryLookup(on: position))
    } catch {
      try fail(error)
    }
    scheduleFirstTick(of: position)
    try settle(position)
  }

  /// Pauses `node`, like a stopped process or a long garbage-collection pause: it neither ticks
  /// nor handles messages, which wait for it; its disk still completes writes. Proposals to it
  /// are refused.
  public func pause(_ node: NodeID) {
    let position = slot(of: node)
    guard nodes[position].isUp, !nodes[position].isPaused else { return }
    nodes[position].isPaused = true
    trace(node, .note("paused"))
  }

  /// Resumes a paused `node`: it handles the messages that waited for it, in arrival order,
  /// and learns of writes that became durable meanwhile.
  /// - Throws: a ``SimulationFailure`` if that breaks an invariant.
  public func resume(_ node: NodeID) throws(SimulationFailure) {
    try throwIfFailed()
    let position = slot(of: node)
    guard nodes[position].isUp, nodes[position].isPaused else { return }
    nodes[position].isPaused = false
    let waiting = nodes[position].inboxWhilePaused
    nodes[position].inboxWhilePaused = []
    trace(node, .note("resumed with \(waiting.count) waiting messages"))
    try acknowledgeDurableWrites(of: position)
    for message in waiting {
      trace(node, .received(message, sentAt: now))
      nodes[position].engine.step(message)
      try settle(position)
    }
    try settle(position)
  }

  /// Wipes `node`'s durable state as a failed disk would, then crashes it. This breaks Raft's
  /// assumptions on purpose (a node forgets its vote and log), so that a test can show that
  /// its checks notice what follows; restart the node to let it rejoin empty.
  public func crashLosingDisk(_ node: NodeID) {
    crash(node)
    nodes[slot(of: node)].storage = MemoryStorage(mode: .manual)
    trace(node, .note("disk lost"))
  }
}
