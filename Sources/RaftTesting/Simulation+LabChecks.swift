import Raft

extension Simulation {
  /// Submits `commands` at once, as several clients each calling MIT 6.824's
  /// `one(cmd, expectedServers, true)` concurrently, and waits until each is applied at one
  /// index on at least `expectedNodes` running nodes.
  ///
  /// Every tick, a command without agreement that was never accepted, or whose proposal got
  /// no agreement within `agreementTimeoutTicks`, is proposed again to the next connected node
  /// that accepts it as leader. Commands proposed at the same virtual instant travel together,
  /// so this also exercises batching. A command may end up in the log more than once, as with
  /// real retrying clients.
  /// - Returns: for each command, in order, the index its accepted proposal was applied at.
  /// - Throws: ``SimulationFailure`` with ``SimulationFailure/Reason/expectationFailed`` if some
  ///   command reached no agreement within `timeoutTicks`, or any safety violation.
  @discardableResult
  public func submitConcurrently(
    _ commands: [[UInt8]], expectedNodes: Int, timeoutTicks: Int = 1_000, agreementTimeoutTicks: Int = 200
  ) throws(SimulationFailure) -> [LogIndex] {
    var proposals: [(proposal: Proposal, at: VirtualTime)?] = Array(repeating: nil, count: commands.count)
    var agreedAt: [LogIndex?] = Array(repeating: nil, count: commands.count)
    var nextNode = 0
    let agreementTimeout = VirtualTime(agreementTimeoutTicks) * options.tickInterval

    func proposeWhereAccepted(_ command: [UInt8]) -> Proposal? {
      for _ in nodes.indices {
        nextNode = (nextNode + 1) % nodes.count
        guard isReachable(nodes[nextNode]) else { continue }
        if let proposal = try? propose(command, to: nodes[nextNode].id) { return proposal }
      }
      return nil
    }

    let done = try run(timeoutTicks: timeoutTicks) { simulation throws(SimulationFailure) in
      for position in commands.indices where agreedAt[position] == nil {
        if let (proposal, _) = proposals[position] {
          let (count, applied) = try simulation.nCommitted(at: proposal.index)
          if count >= expectedNodes && applied == commands[position] {
            agreedAt[position] = proposal.index
            continue
          }
        }
        let stale = proposals[position].map { simulation.now >= $0.at + agreementTimeout } ?? true
        if stale, let proposal = proposeWhereAccepted(commands[position]) {
          proposals[position] = (proposal, simulation.now)
        }
      }
      return agreedAt.allSatisfy { $0 != nil }
    }
    guard done else {
      let missing = commands.indices.filter { agreedAt[$0] == nil }.map { printable(commands[$0]) }
      throw expectationFailure(
        "submitConcurrently: \(missing.joined(separator: ", ")) reached no agreement of \(expectedNodes) nodes")
    }
    return agreedAt.map { $0! }
  }

  /// Waits until every running node applied everything through `index`, then returns the
  /// commands applied at `1...index` (a leader's no-ops have none), in log order; for checking
  /// that every value a client saw committed is in the final log, as MIT 6.824's churn tests do.
  /// - Throws: ``SimulationFailure`` if some running node did not apply through `index` within
  ///   `timeoutTicks`, or two nodes applied different commands at one index.
  public func committedCommands(through index: LogIndex, timeoutTicks: Int = 300) throws(SimulationFailure)
    -> [AppliedCommand]
  {
    let caughtUp = try run(timeoutTicks: timeoutTicks) { simulation in
      simulation.nodes.allSatisfy { !$0.isUp || simulation.appliedIndex(of: $0.id) >= index }
    }
    guard caughtUp else {
      let behind = nodes.filter { $0.isUp && appliedIndex(of: $0.id) < index }.map { "n\($0.id)" }
      throw expectationFailure("\(behind.joined(separator: ", ")) did not apply through \(index)")
    }
    guard let reference = nodes.first(where: \.isUp) else { return [] }
    var commands: [AppliedCommand] = []
    var position = LogIndex(1)
    while position <= index {
      _ = try nCommitted(at: position)
      if let applied = appliedCommand(at: position, on: reference.id) { commands.append(applied) }
      position = position + 1
    }
    return commands
  }
}

extension TrafficCounters {
  /// The names of the request kinds (see ``Raft/MessageBody/kindName``): messages that ask a
  /// peer for an answer.
  public static let requestKinds = ["App", "Heartbeat", "PreVote", "Vote"]

  /// Requests sent (AppendEntries, heartbeats, votes and pre-votes), replies not counted: the
  /// number of RPCs in MIT 6.824's sense, for comparing with the lab's limits.
  public var requests: Int { Self.requestKinds.reduce(0) { $0 + messages(ofKind: $1) } }
}
