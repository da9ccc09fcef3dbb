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

private func servedValue(_ status: ClientReadStatus) -> String?? {
  if case .served(let value, _, _) = status { return .some(value?.value) }
  return nil
}

/// Linearizable reads through the simulator: read-after-write on every node, reads that cannot
/// be confirmed fail instead of answering, and randomized runs check every served read.
@Suite struct ClientReadTests {
  @Test func readAfterWriteSeesTheWriteOnEveryNode() throws {
    let simulation = try makeStore()
    try simulation.checkOneLeader()
    try simulation.submit(RegisterStore.write("1", to: "x"), expectedNodes: 1)
    for node in simulation.nodeIDs {
      #expect(servedValue(try simulation.read("x", on: node)) == .some("1"))
    }
    #expect(servedValue(try simulation.read("never-written", on: 1)) == .some(nil))
    #expect(simulation.linearizability.readsChecked == 4)
  }

  @Test func readWithoutALeaderFailsAtOnce() throws {
    let simulation = try makeStore()
    // Before the first election no node knows a leader.
    #expect(throws: ReadRejection.refused(.noLeader)) { try simulation.startRead(of: "x", on: 2) }
  }

  @Test("A stale leader in a minority partition never answers a read", arguments: [false, true])
  func staleLeaderNeverAnswers(checkQuorum: Bool) throws {
    let simulation = try makeStore(nodes: 5) {
      $0.engine.checkQuorum = checkQuorum
      $0.engine.preVote = true
    }
    let oldLeader = try simulation.checkOneLeader()
    try simulation.submit(RegisterStore.write("old", to: "x"), expectedNodes: 5)
    let others = simulation.nodeIDs.filter { $0 != oldLeader }
    simulation.partition([[oldLeader, others[0]], Array(others[1...])])
    let staleRead = try simulation.startRead(of: "x", on: oldLeader)
    let minorityFollowerRead = try simulation.startRead(of: "x", on: others[0])
    // The majority elects a leader and completes a write the old leader never sees.
    try simulation.run(ticks: 40)
    let majority = Array(others[1...])
    let newLeader = try #require(majority.first { simulation.role(of: $0) == .leader })
    try simulation.submit(RegisterStore.write("new", to: "x"), expectedNodes: 3)
    try simulation.run(ticks: 40)
    for read in [staleRead, minorityFollowerRead] {
      guard case .failed(.refused) = simulation.readStatus(read) else {
        Issue.record("\(read) should have failed, but is \(simulation.readStatus(read))")
        continue
      }
    }
    // A read in the minority started now also fails; one in the majority sees the new write.
    let lateRead = try? simulation.startRead(of: "x", on: oldLeader)
    try simulation.run(ticks: 40)
    if let lateRead { #expect(simulation.readStatus(lateRead) != .pending) }
    if let lateRead { #expect(servedValue(simulation.readStatus(lateRead)) == nil) }
    #expect(servedValue(try simulation.read("x", on: newLeader)) == .some("new"))
    try simulation.healAndVerify()
  }

  @Test func aCrashFailsThePendingReadsOfItsNode() throws {
    let simulation = try makeStore()
    let leader = try simulation.checkOneLeader()
    let follower = simulation.nodeIDs.first { $0 != leader }!
    let read = try simulation.startRead(of: "x", on: follower)
    simulation.crash(follower)
    #expect(simulation.readStatus(read) == .failed(.crashed(follower)))
  }

  @Test func readsUnderAnUnreliableNetworkAreLinearizable() throws {
    let simulation = try makeStore(seed: 9) { $0.network = .unreliable }
    try simulation.checkOneLeader()
    var served = 0
    for round in 0..<30 {
      let writer = simulation.nodeIDs[round % 3]
      _ = try? simulation.propose(RegisterStore.write("v\(round)", to: "x"), via: writer)
      for node in simulation.nodeIDs { _ = try? simulation.startRead(of: "x", on: node) }
      try simulation.run(ticks: 5)
      served = simulation.readCounts.served
    }
    try simulation.healAndVerify()
    #expect(served > 20)
    #expect(simulation.linearizability.writesCompleted > 5)
  }

  /// The randomized runs really serve and check reads; quietly failing every read would pass.
  @Test func randomizedRunsCheckManyReads() {
    var reads = 0
    var checked = 0
    var forwarded = 0
    var transfers = 0
    for seed in 0..<8 as Range<UInt64> {
      let outcome = RandomizedScenario(seed: seed, nodeCount: 3).run()
      #expect(outcome.passed, "\(outcome.summary)")
      reads += outcome.faults.reads
      checked += outcome.readsChecked
      forwarded += outcome.faults.forwardedProposals
      transfers += outcome.faults.transfers
    }
    #expect(forwarded > 40)
    #expect(transfers > 3)  // a transfer needs a quiet stretch with a leader; faults leave few
    #expect(reads > 100)
    #expect(checked > 60)  // about half the reads that a node took (many find no leader under these faults)
  }
}
