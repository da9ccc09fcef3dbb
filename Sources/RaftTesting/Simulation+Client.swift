import Raft

extension Simulation {
  /// Proposes `command` to `node`, as a client would. The node hands it to its peers at once
  /// (together with other proposals made at the same virtual instant).
  ///
  /// When `node` later applies the entry at the returned index and term, the proposal counts as
  /// reported committed: the simulation checks it is never lost (``Invariant/committedProposalsKept``).
  /// - Throws: ``ProposalRejection`` if the node is not a running leader or refuses.
  @discardableResult
  public func propose(_ command: [UInt8], to node: NodeID) throws(ProposalRejection) -> Proposal {
    let position = slot(of: node)
    guard nodes[position].isUp else { throw .crashed(node) }
    guard !nodes[position].isPaused else { throw .paused(node) }
    let index: LogIndex
    do {
      index = try nodes[position].engine.propose(command)
    } catch {
      trace(node, .proposed(command, outcome: "refused, \(error)"))
      throw .refused(error)
    }
    let term = nodes[position].engine.term
    nodes[position].pendingProposals[index] = term
    recordWriteStarted(command)
    trace(node, .proposed(command, outcome: "index \(index) term \(term)"))
    queue.schedule(.flush(node: position, incarnation: nodes[position].incarnation), at: now)
    return Proposal(node: node, index: index, term: term)
  }

  /// Proposes `command` to ``reachableLeader``.
  @discardableResult
  public func proposeToLeader(_ command: [UInt8]) throws(ProposalRejection) -> Proposal {
    guard let leader = reachableLeader else { throw .noLeader }
    return try propose(command, to: leader)
  }

  /// Submits `command` until it is applied at one index on at least `expectedNodes` running
  /// nodes, as MIT 6.824's `one(cmd, expectedServers, retry)`: it tries connected nodes in turn
  /// until one accepts as leader, then waits up to `agreementTimeoutTicks` for agreement; on a
  /// timeout it proposes again if `retry`, else fails.
  /// - Returns: the index the command was applied at.
  /// - Throws: ``SimulationFailure`` with ``SimulationFailure/Reason/expectationFailed`` if no
  ///   agreement came within `timeoutTicks`.
  @discardableResult
  public func submit(
    _ command: [UInt8], expectedNodes: Int, retry: Bool = true, timeoutTicks: Int = 1_000,
    agreementTimeoutTicks: Int = 200
  ) throws(SimulationFailure) -> LogIndex {
    let deadline = now + VirtualTime(timeoutTicks) * options.tickInterval
    var start = 0
    while now < deadline {
      var accepted: Proposal?
      for _ in nodes.indices {
        start = (start + 1) % nodes.count
        guard isReachable(nodes[start]) else { continue }
        if let proposal = try? propose(command, to: nodes[start].id) {
          accepted = proposal
          break
        }
      }
      guard let accepted else {
        try run(ticks: 5)
        continue
      }
      var agreed = false
      try run(timeoutTicks: agreementTimeoutTicks) { simulation throws(SimulationFailure) in
        let (count, applied) = try simulation.nCommitted(at: accepted.index)
        agreed = count > 0 && count >= expectedNodes && applied == command
        return agreed
      }
      if agreed { return accepted.index }
      if !retry {
        throw expectationFailure(
          "submit(\(printable(command))) proposed at \(accepted) reached no agreement of \(expectedNodes) nodes")
      }
    }
    throw expectationFailure("submit(\(printable(command))) reached no agreement of \(expectedNodes) nodes")
  }

  /// Waits until at least `count` running nodes applied a command at `index`, as MIT 6.824's
  /// `wait(index, n, startTerm)`.
  /// - Returns: the command, or nil if a node moved past `startTerm` first (the entry may never
  ///   commit).
  /// - Throws: ``SimulationFailure`` if neither happened within `timeoutTicks`.
  public func waitForCommit(at index: LogIndex, onAtLeast count: Int, startTerm: Term? = nil, timeoutTicks: Int = 300)
    throws(SimulationFailure) -> [UInt8]?
  {
    var termMoved = false
    let committed = try run(timeoutTicks: timeoutTicks) { simulation throws(SimulationFailure) in
      if try simulation.nCommitted(at: index).count >= count { return true }
      if let startTerm, simulation.nodes.contains(where: { $0.isUp && $0.engine.term > startTerm }) {
        termMoved = true
        return true
      }
      return false
    }
    if termMoved { return nil }
    let (applied, command) = try nCommitted(at: index)
    guard committed, applied >= count else {
      throw expectationFailure("only \(applied) nodes applied index \(index); expected \(count)")
    }
    return command
  }

  // MARK: Expectations in the style of MIT 6.824's config.go

  /// Runs one election timeout at a time, up to `attempts` times, until a connected, running
  /// node leads; as MIT 6.824's `checkOneLeader`. "Connected" is in the sense of
  /// ``disconnect(_:)``: a stale leader cut off only by a ``partition(_:)`` still counts, until
  /// check-quorum demotes it.
  /// - Returns: the leader of the highest term among connected nodes.
  /// - Throws: ``SimulationFailure`` if two connected nodes lead in one term, or none leads.
  @discardableResult
  public func checkOneLeader(attempts: Int = 10) throws(SimulationFailure) -> NodeID {
    for _ in 0..<attempts {
      try run(ticks: options.engine.electionTimeoutTicks)
      var leaderOfHighestTerm: (node: NodeID, term: Term)?
      var leadersByTerm: [Term: NodeID] = [:]
      for node in nodes where isReachable(node) && node.engine.role == .leader {
        let term = node.engine.term
        if let other = leadersByTerm[term] {
          throw expectationFailure("term \(term) has two connected leaders, n\(other) and n\(node.id)")
        }
        leadersByTerm[term] = node.id
        if leaderOfHighestTerm.map({ term > $0.term }) ?? true { leaderOfHighestTerm = (node.id, term) }
      }
      if let leaderOfHighestTerm { return leaderOfHighestTerm.node }
    }
    throw expectationFailure("expected one leader, got none")
  }

  /// Checks that no connected, running node believes it leads.
  public func checkNoLeader() throws(SimulationFailure) {
    try throwIfFailed()
    if let leader = nodes.first(where: { isReachable($0) && $0.engine.role == .leader }) {
      throw expectationFailure("expected no leader among connected nodes, but n\(leader.id) claims to be one")
    }
  }

  /// Checks that every connected, running node is in the same term.
  /// - Returns: that term.
  @discardableResult
  public func checkTerms() throws(SimulationFailure) -> Term {
    try throwIfFailed()
    var agreed: Term?
    for node in nodes where isReachable(node) {
      if let agreed, agreed != node.engine.term {
        throw expectationFailure("connected nodes disagree on the term: \(agreed) and \(node.engine.term)")
      }
      agreed = node.engine.term
    }
    guard let agreed else { throw expectationFailure("no connected node to ask for its term") }
    return agreed
  }

  // MARK: The end of a run

  /// Heals everything (restarts crashed nodes, resumes paused ones, removes partitions, makes
  /// the network reliable), then checks that the cluster makes progress and kept its promises:
  /// a new command commits and every node applies it, every proposal reported committed is
  /// applied on every node at its index, and all logs match.
  /// - Throws: ``SimulationFailure`` with ``SimulationFailure/Reason/noProgress`` if the cluster
  ///   does not converge within `timeoutTicks`, or a violated invariant.
  public func healAndVerify(timeoutTicks: Int = 1_000) throws(SimulationFailure) {
    try throwIfFailed()
    note("healing everything")
    network = .reliable
    healNetwork()
    for node in nodeIDs {
      if isPaused(node) { try resume(node) }
      if !isUp(node) { try restart(node) }
    }
    let marker = Array("heal-check-\(seed)".utf8)
    do {
      try submit(marker, expectedNodes: nodes.count, timeoutTicks: timeoutTicks)
    } catch let failure where failure.reason == .expectationFailed {
      try fail(.noProgress, "the healed cluster did not commit a command on every node: \(failure.detail)")
    }
    // A proposal forwarded before the healing may land after the marker: wait for it too.
    let lastReported = checker.committedProposals.map(\.index).max() ?? .zero
    let caughtUp = try run(timeoutTicks: timeoutTicks) { simulation in
      simulation.nodeIDs.allSatisfy { simulation.appliedIndex(of: $0) >= lastReported }
    }
    if !caughtUp {
      try fail(
        .noProgress, "the healed cluster did not apply every proposal reported committed, through \(lastReported)")
    }
    do throws(InvariantViolation) {
      try checker.verifyCommittedProposals(on: nodeIDs) { node, index in
        nodes[slot(of: node)].appliedEntry(at: index)
      }
    } catch {
      try fail(error)
    }
    try verifySafety()
  }
}
