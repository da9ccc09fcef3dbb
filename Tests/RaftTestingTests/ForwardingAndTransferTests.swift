import Raft
import RaftTesting
import Testing

private func makeStore(
  nodes: Int = 3, seed: UInt64 = 1, configure: (inout SimulationOptions) -> Void = { _ in }
) throws -> Simulation<RegisterStore> {
  var options = SimulationOptions(nodeCount: nodes)
  configure(&options)
  return try Simulation(options: options, seed: seed) { RegisterStore() }
}

/// Proposal forwarding and leadership transfer in the simulator, with and without faults.
@Suite struct ForwardingAndTransferTests {
  @Test func aProposalThroughAFollowerCommitsEverywhere() throws {
    let simulation = try makeStore()
    let leader = try simulation.checkOneLeader()
    let follower = simulation.nodeIDs.first { $0 != leader }!
    guard case .forwarded(let id, let to) = try simulation.propose(RegisterStore.write("1", to: "x"), via: follower)
    else {
      Issue.record("a follower should forward")
      return
    }
    #expect(to == leader)
    try simulation.run(ticks: 20)
    guard case .appended(let proposal) = simulation.forwardedProposalStatus(id) else {
      Issue.record(
        "expected the leader to append it, got \(String(describing: simulation.forwardedProposalStatus(id)))")
      return
    }
    for node in simulation.nodeIDs {
      #expect(simulation.appliedCommand(at: proposal.index, on: node)?.command == RegisterStore.write("1", to: "x"))
    }
    // The follower applied it, so its client heard it committed.
    #expect(simulation.checker.committedProposals.contains { $0.index == proposal.index })
  }

  @Test func withoutALeaderAProposalFailsAtOnce() throws {
    let simulation = try makeStore()
    #expect(throws: ProposalRejection.refused(.noLeader)) { try simulation.propose([1], via: 1) }
  }

  @Test func forwardingUnderLossAndPartitionsKeepsEveryCommittedProposal() throws {
    let simulation = try makeStore(nodes: 5, seed: 4) { $0.network = .unreliable }
    try simulation.checkOneLeader()
    for round in 0..<40 {
      let node = simulation.nodeIDs[round % 5]
      _ = try? simulation.propose(RegisterStore.write("v\(round)", to: "k\(round % 2)"), via: node)
      if round == 10 { simulation.partition([[1, 2], [3, 4, 5]]) }
      if round == 25 { simulation.healNetwork() }
      try simulation.run(ticks: 3)
    }
    try simulation.healAndVerify()
    #expect(simulation.checker.committedProposals.count > 10)
  }

  @Test func transferHandsLeadershipToTheTarget() throws {
    let simulation = try makeStore { $0.engine.checkQuorum = true }
    let leader = try simulation.checkOneLeader()
    let target = simulation.nodeIDs.first { $0 != leader }!
    try simulation.submit(RegisterStore.write("1", to: "x"), expectedNodes: 3)
    try simulation.transferLeadership(from: leader, to: target)
    #expect(throws: ProposalRejection.refused(.leadershipTransferInProgress(to: target))) {
      try simulation.propose([1], to: leader)
    }
    let moved = try simulation.run(timeoutTicks: 10) { $0.role(of: target) == .leader }
    #expect(moved)
    #expect(simulation.leaders == [target])
    try simulation.submit(RegisterStore.write("2", to: "x"), expectedNodes: 3)
    #expect(try simulation.read("x", on: leader) != .pending)
  }

  @Test func aTransferToAnUnreachableTargetIsAbandoned() throws {
    let simulation = try makeStore()
    let leader = try simulation.checkOneLeader()
    let target = simulation.nodeIDs.first { $0 != leader }!
    simulation.disconnect(target)
    try simulation.transferLeadership(from: leader, to: target)
    try simulation.run(ticks: simulation.options.engine.electionTimeoutTicks + 1)
    #expect(simulation.engine(of: leader).leadershipTransferTarget == nil)
    #expect(simulation.role(of: leader) == .leader)
    #expect(throws: Never.self) { try simulation.propose([1], to: leader) }
  }

  @Test func repeatedTransfersUnderFaultsKeepEveryCommittedProposal() throws {
    let simulation = try makeStore(nodes: 5, seed: 8) {
      $0.network = .unreliable
      $0.engine.checkQuorum = true
      $0.engine.preVote = true
    }
    var transfers = 0
    for round in 0..<30 {
      _ = try? simulation.propose(RegisterStore.write("v\(round)", to: "x"), via: simulation.nodeIDs[round % 5])
      _ = try? simulation.startRead(of: "x", on: simulation.nodeIDs[(round + 2) % 5])
      if round % 5 == 0, let leader = simulation.reachableLeader {
        let target = simulation.nodeIDs[(Int(leader.rawValue) + round) % 5]
        if (try? simulation.transferLeadership(from: leader, to: target)) != nil { transfers += 1 }
      }
      if round == 12 { simulation.crash(simulation.reachableLeader ?? 1) }
      if round == 20 { try simulation.restart(simulation.nodeIDs.first { !simulation.isUp($0) } ?? 1) }
      try simulation.run(ticks: 4)
    }
    try simulation.healAndVerify()
    #expect(transfers >= 3)
  }
}
