import Raft
import RaftTesting
import Testing

/// The lab-style helpers of `Simulation+LabChecks.swift`.
@Suite struct LabChecksTests {
  private func makeSimulation(seed: UInt64) throws -> Simulation<CommandLog> {
    try Simulation(options: SimulationOptions(nodeCount: 3), seed: seed) { CommandLog() }
  }

  @Test func submitConcurrentlyCommitsEveryCommandAtItsOwnIndex() throws {
    let simulation = try makeSimulation(seed: 21)
    let commands = (0..<5).map { Array("c\($0)".utf8) }
    let indexes = try simulation.submitConcurrently(commands, expectedNodes: 3)
    #expect(Set(indexes).count == commands.count)
    for (command, index) in zip(commands, indexes) {
      #expect(try simulation.nCommitted(at: index) == (3, command))
    }
  }

  @Test func submitConcurrentlyFailsWithoutAQuorum() throws {
    let simulation = try makeSimulation(seed: 22)
    let leader = try simulation.checkOneLeader()
    for node in simulation.nodeIDs where node != leader { simulation.disconnect(node) }
    let failure = #expect(throws: SimulationFailure.self) {
      try simulation.submitConcurrently([Array("x".utf8)], expectedNodes: 2, timeoutTicks: 100)
    }
    #expect(failure?.reason == .expectationFailed)
    #expect(failure?.detail.contains("reached no agreement") == true)
  }

  @Test func committedCommandsListsCommandsWithoutNoops() throws {
    let simulation = try makeSimulation(seed: 23)
    let first = try simulation.submit(Array("a".utf8), expectedNodes: 3)
    let last = try simulation.submit(Array("b".utf8), expectedNodes: 3)
    let commands = try simulation.committedCommands(through: last)
    #expect(commands.map(\.command) == [Array("a".utf8), Array("b".utf8)])
    #expect(commands.map(\.index) == [first, last])
  }

  @Test func requestsCountRequestsButNotReplies() throws {
    let simulation = try makeSimulation(seed: 24)
    try simulation.submit(Array("a".utf8), expectedNodes: 3)
    let traffic = simulation.traffic
    let replies = ["AppResp", "HeartbeatResp", "PreVoteResp", "VoteResp"].reduce(0) {
      $0 + traffic.messages(ofKind: $1)
    }
    #expect(traffic.requests > 0)
    #expect(traffic.requests + replies == traffic.messages)
  }
}
