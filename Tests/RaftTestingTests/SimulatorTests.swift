import Raft
import RaftTesting
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func makeSimulation(
  nodes: Int = 3, seed: UInt64 = 1, fullTrace: Bool = false, configure: (inout SimulationOptions) -> Void = { _ in }
) throws -> Simulation<CommandLog> {
  var options = SimulationOptions(nodeCount: nodes, recordsFullTrace: fullTrace)
  configure(&options)
  return try Simulation(options: options, seed: seed) { CommandLog() }
}

private func lines(_ trace: [String]?, containing fragment: String) -> [String] {
  (trace ?? []).filter { $0.contains(fragment) }
}

@Suite struct DeterminismTests {
  @Test func sameSeedReplaysTheSameScenario() {
    let first = RandomizedScenario(seed: 11, steps: 150, recordsFullTrace: true).run()
    let second = RandomizedScenario(seed: 11, steps: 150, recordsFullTrace: true).run()
    #expect(first.passed)
    #expect((first.trace?.count ?? 0) > 1_000)
    #expect(first.trace == second.trace)
  }

  @Test func differentSeedsGiveDifferentRuns() {
    let first = RandomizedScenario(seed: 11, steps: 150, recordsFullTrace: true).run()
    let second = RandomizedScenario(seed: 12, steps: 150, recordsFullTrace: true).run()
    #expect(first.trace != second.trace)
  }

  @Test func sameSeedAndCallsReplayTheSameSimulation() throws {
    func script(seed: UInt64) throws -> [String] {
      let simulation = try makeSimulation(seed: seed, fullTrace: true) { $0.network = .unreliable }
      let leader = try simulation.checkOneLeader()
      try simulation.submit(bytes("a"), expectedNodes: 3)
      simulation.crash(leader)
      try simulation.submit(bytes("b"), expectedNodes: 2)
      try simulation.restart(leader)
      try simulation.healAndVerify()
      return simulation.fullTrace ?? []
    }
    let trace = try script(seed: 5)
    #expect(trace.count > 100)
    #expect(try script(seed: 5) == trace)
    #expect(try script(seed: 6) != trace)
  }
}

@Suite struct ClusterBasicsTests {
  @Test func electsOneLeaderAndAppliesCommandsEverywhere() throws {
    let simulation = try makeSimulation()
    let leader = try simulation.checkOneLeader()
    #expect(simulation.leaders == [leader])
    let index = try simulation.submit(bytes("a"), expectedNodes: 3)
    let term = try simulation.checkTerms()
    let expected = try #require(simulation.appliedCommand(at: index, on: leader))
    #expect(expected.command == bytes("a"))
    #expect(expected.term == term)
    for node in simulation.nodeIDs {
      #expect(simulation.appliedCommand(at: index, on: node) == expected)
      #expect(simulation.machine(of: node).commands == [bytes("a")])
      #expect(simulation.status(of: node).commitIndex >= index)
    }
    #expect(try simulation.nCommitted(at: index).count == 3)
    #expect(simulation.statistics(of: leader).appendMessagesSent > 0)
  }

  @Test func refusesProposalsTheClusterCannotTake() throws {
    let simulation = try makeSimulation()
    let leader = try simulation.checkOneLeader()
    let followers = simulation.nodeIDs.filter { $0 != leader }
    #expect(throws: ProposalRejection.refused(.notLeader(leaderHint: leader))) {
      try simulation.propose(bytes("x"), to: followers[0])
    }
    simulation.pause(followers[0])
    #expect(throws: ProposalRejection.paused(followers[0])) { try simulation.propose(bytes("x"), to: followers[0]) }
    simulation.crash(followers[1])
    #expect(throws: ProposalRejection.crashed(followers[1])) { try simulation.propose(bytes("x"), to: followers[1]) }
  }

  @Test func submitWithoutRetryFailsWithoutAQuorum() throws {
    let simulation = try makeSimulation(seed: 3)
    let leader = try simulation.checkOneLeader()
    for node in simulation.nodeIDs where node != leader { simulation.disconnect(node) }
    let failure = #expect(throws: SimulationFailure.self) {
      try simulation.submit(bytes("x"), expectedNodes: 2, retry: false, timeoutTicks: 300, agreementTimeoutTicks: 100)
    }
    #expect(failure?.reason == .expectationFailed)
    #expect(failure?.description.contains("seed 3") == true)
    #expect(try simulation.nCommitted(at: simulation.engine(of: leader).log.lastIndex).count == 0)
  }
}

@Suite struct NetworkTests {
  @Test func lostMessagesNeverArrive() throws {
    let simulation = try makeSimulation(fullTrace: true) { $0.network.dropProbability = 1 }
    try simulation.run(ticks: 300)
    try simulation.checkNoLeader()
    #expect(simulation.traffic.messages > 0)
    #expect(simulation.traffic.dropped == simulation.traffic.messages)
    #expect(lines(simulation.fullTrace, containing: " receives ").isEmpty)
  }

  @Test func duplicatedMessagesArriveTwice() throws {
    let simulation = try makeSimulation(fullTrace: true) { $0.network.duplicateProbability = 1 }
    try simulation.checkOneLeader()
    try simulation.submit(bytes("a"), expectedNodes: 3)
    // Stop the senders, then let every message in flight land.
    for node in simulation.nodeIDs { simulation.crash(node) }
    try simulation.run(ticks: 100)
    let sent = simulation.traffic.messages
    #expect(simulation.traffic.duplicated == sent)
    let landed =
      lines(simulation.fullTrace, containing: " receives ").count
      + lines(simulation.fullTrace, containing: " misses ").count
    #expect(landed == 2 * sent)
  }

  @Test func randomDelaysReorderMessages() throws {
    let simulation = try makeSimulation(fullTrace: true) { $0.network.delay = 1...40 }
    try simulation.checkOneLeader()
    for command in 0..<20 { try simulation.submit(bytes("c\(command)"), expectedNodes: 3) }
    // Arrival times per link, in sending order.
    var arrivals: [String: [Int]] = [:]
    for line in lines(simulation.fullTrace, containing: " sends ") {
      let words = line.split(separator: " ")
      guard let arrives = words.firstIndex(of: "arrives") else { continue }
      arrivals[String(words[3]), default: []].append(Int(words[arrives + 1].dropFirst(2))!)
    }
    let reordered = arrivals.values.contains { times in zip(times, times.dropFirst()).contains { $0 > $1 } }
    #expect(reordered)
  }

  @Test func symmetricPartitionKeepsTheMinorityFromCommitting() throws {
    let simulation = try makeSimulation(nodes: 5, seed: 2)
    let oldLeader = try simulation.checkOneLeader()
    let minority = [oldLeader, simulation.nodeIDs.first { $0 != oldLeader }!]
    let majority = simulation.nodeIDs.filter { !minority.contains($0) }
    simulation.partition([minority, majority])
    #expect(!simulation.canReach(from: minority[0], to: majority[0]))
    #expect(!simulation.canReach(from: majority[0], to: minority[0]))
    #expect(simulation.canReach(from: minority[0], to: minority[1]))

    // The stale leader keeps leading its side until check-quorum demotes it.
    let elected = try simulation.run(timeoutTicks: 200) { simulation in
      majority.contains { simulation.role(of: $0) == .leader }
    }
    #expect(elected)
    let index = try simulation.submit(bytes("majority"), expectedNodes: 3)
    try simulation.run(ticks: 50)
    for node in minority { #expect(simulation.appliedCommand(at: index, on: node) == nil) }

    simulation.healNetwork()
    #expect(try simulation.waitForCommit(at: index, onAtLeast: 5) == bytes("majority"))
  }

  @Test func oneWayPartitionBlocksOneDirectionOnly() throws {
    let simulation = try makeSimulation(seed: 4, fullTrace: true)
    let oldLeader = try simulation.checkOneLeader()
    let followers = simulation.nodeIDs.filter { $0 != oldLeader }
    for follower in followers { simulation.block(from: oldLeader, to: follower) }
    #expect(!simulation.canReach(from: oldLeader, to: followers[0]))
    #expect(simulation.canReach(from: followers[0], to: oldLeader))
    simulation.note("one-way partition starts")

    try simulation.run(ticks: 100)
    let newLeader = try simulation.checkOneLeader()
    #expect(newLeader != oldLeader)
    let trace = simulation.fullTrace ?? []
    let during = trace[(trace.lastIndex { $0.contains("one-way partition starts") }!)...]
    #expect(during.contains { $0.contains("n\(oldLeader) receives n\(followers[0])->n\(oldLeader)") })
    #expect(!during.contains { $0.contains("receives n\(oldLeader)->") })

    for follower in followers { simulation.unblock(from: oldLeader, to: follower) }
    try simulation.healAndVerify()
  }

  @Test func disconnectedNodeHearsNothingAndIsHeardByNoOne() throws {
    let simulation = try makeSimulation(seed: 6, fullTrace: true)
    let leader = try simulation.checkOneLeader()
    simulation.disconnect(leader)
    #expect(!simulation.isConnected(leader))
    simulation.note("disconnected the leader")
    let newLeader = try simulation.checkOneLeader()
    #expect(newLeader != leader)
    let trace = simulation.fullTrace ?? []
    let during = trace[(trace.lastIndex { $0.contains("disconnected the leader") }!)...]
    #expect(!during.contains { $0.contains("n\(leader) receives") || $0.contains("receives n\(leader)->") })
    simulation.connect(leader)
    try simulation.healAndVerify()
  }
}

@Suite struct NodeFaultTests {
  @Test func crashLosesUnsyncedWritesAndKeepsSyncedOnes() throws {
    let simulation = try makeSimulation(seed: 7) { $0.fsyncLatency = 20...20 }
    let leader = try simulation.checkOneLeader()
    try simulation.submit(bytes("kept"), expectedNodes: 3)
    try simulation.run(ticks: 10)
    let durableBefore = simulation.storage(of: leader).durableState

    let proposal = try simulation.propose(bytes("lost"), to: leader)
    try simulation.run(for: 1)
    #expect(simulation.storage(of: leader).unsyncedWriteCount > 0)
    simulation.crash(leader)
    #expect(simulation.storage(of: leader).durableState == durableBefore)
    #expect(durableBefore.entries.contains { $0.payload == bytes("kept") })

    simulation.disconnect(leader)
    try simulation.restart(leader)
    let restarted = simulation.engine(of: leader)
    #expect(restarted.log.lastIndex == proposal.index - 1)
    // The committed log is replayed from local storage alone.
    #expect(simulation.machine(of: leader).commands == [bytes("kept")])
    #expect(!simulation.checker.committedProposals.contains { $0.payload == bytes("lost") })
    try simulation.healAndVerify()
  }

  @Test func pausedNodeNeitherTicksNorHandlesMessagesUntilResumed() throws {
    let simulation = try makeSimulation(seed: 8)
    let oldLeader = try simulation.checkOneLeader()
    let oldTerm = simulation.term(of: oldLeader)
    simulation.pause(oldLeader)
    #expect(simulation.isPaused(oldLeader))

    let newLeader = try simulation.checkOneLeader()
    #expect(newLeader != oldLeader)
    let index = try simulation.submit(bytes("while paused"), expectedNodes: 2)
    try simulation.run(ticks: 100)
    // Check-quorum would have demoted it, and the new leader's messages would have taught it
    // the new term, had it run.
    #expect(simulation.role(of: oldLeader) == .leader)
    #expect(simulation.term(of: oldLeader) == oldTerm)
    #expect(simulation.appliedCommand(at: index, on: oldLeader) == nil)

    try simulation.resume(oldLeader)
    #expect(simulation.role(of: oldLeader) == .follower)
    #expect(simulation.term(of: oldLeader) > oldTerm)
    #expect(try simulation.waitForCommit(at: index, onAtLeast: 3) == bytes("while paused"))
  }

  @Test func restartRebuildsTheStateMachineFromTheLog() throws {
    let simulation = try makeSimulation(seed: 9)
    let leader = try simulation.checkOneLeader()
    for command in ["a", "b", "c"] { try simulation.submit(bytes(command), expectedNodes: 3) }
    let follower = simulation.nodeIDs.first { $0 != leader }!
    simulation.crash(follower)
    #expect(!simulation.isUp(follower))
    try simulation.restart(follower)
    #expect(simulation.isUp(follower))
    try simulation.run(ticks: 30)
    #expect(simulation.machine(of: follower) == simulation.machine(of: leader))
    #expect(simulation.appliedCommands(on: follower) == simulation.appliedCommands(on: leader))
  }
}

@Suite struct TrafficTests {
  @Test func countsMessagesByKindAndEstimatesBytes() throws {
    let simulation = try makeSimulation(seed: 10)
    try simulation.checkOneLeader()
    let before = simulation.traffic.bytes
    try simulation.submit([UInt8](repeating: 7, count: 1_000), expectedNodes: 3)
    let traffic = simulation.traffic
    #expect(traffic.messages == traffic.messagesPerKind.reduce(0) { $0 + $1.count })
    #expect(traffic.messages(ofKind: "App") > 0)
    #expect(traffic.messages(ofKind: "Vote") + traffic.messages(ofKind: "PreVote") > 0)
    // The command went to both followers at least once.
    #expect(traffic.bytes - before >= 2 * (1_000 + TrafficCounters.entryOverheadBytes))
    #expect(traffic.bytes >= traffic.messages * TrafficCounters.messageOverheadBytes)
    let perNode = simulation.nodeIDs.map { simulation.traffic(of: $0) }
    #expect(perNode.reduce(0) { $0 + $1.messages } == traffic.messages)
    #expect(perNode.reduce(0) { $0 + $1.bytes } == traffic.bytes)
  }

  @Test func byteEstimateIsOverheadPlusPayload() {
    let entries = [
      LogEntry(index: 1, term: 1, payload: [UInt8](repeating: 0, count: 10)),
      LogEntry(index: 2, term: 1, payload: [UInt8](repeating: 0, count: 5)),
    ]
    let append = Message(
      from: 1, to: 2, term: 1,
      body: .appendEntries(AppendEntries(prevLogIndex: 0, prevLogTerm: 0, entries: entries, leaderCommit: 0)))
    #expect(TrafficCounters.estimatedBytes(of: append) == 32 + 2 * 24 + 15)
    let heartbeat = Message(from: 1, to: 2, term: 1, body: .heartbeat(Heartbeat(commitIndex: 0)))
    #expect(TrafficCounters.estimatedBytes(of: heartbeat) == 32)
  }
}

/// Each invariant's check fails on a history that breaks it and passes on one that does not.
@Suite struct SafetyCheckerTests {
  private func entry(_ index: LogIndex, _ term: Term, _ payload: String = "") -> LogEntry {
    LogEntry(index: index, term: term, kind: payload.isEmpty ? .noop : .command, payload: bytes(payload))
  }

  private func log(_ entries: [LogEntry]) -> (LogIndex) -> LogEntry? {
    { index in entries.first { $0.index == index } }
  }

  /// The invariant `body` reports broken, nil if none; any other error fails the test.
  private func violation(_ body: () throws -> Void) -> Invariant? {
    do {
      try body()
      return nil
    } catch let violation as InvariantViolation {
      return violation.invariant
    } catch {
      Issue.record("unexpected error \(error)")
      return nil
    }
  }

  @Test func electionSafety() {
    var checker = SafetyChecker()
    #expect(violation { try checker.recordLeader(1, term: 2, entryAt: log([])) } == nil)
    #expect(violation { try checker.recordLeader(2, term: 3, entryAt: log([])) } == nil)
    #expect(violation { try checker.recordLeader(3, term: 2, entryAt: log([])) } == .electionSafety)
  }

  @Test func logMatchingAsEntriesAreWritten() {
    var checker = SafetyChecker()
    #expect(violation { try checker.recordAppended([entry(1, 1, "a"), entry(2, 1, "b")], after: 0, on: 1) } == nil)
    #expect(violation { try checker.recordAppended([entry(2, 1, "b")], after: 1, on: 2) } == nil)
    #expect(violation { try checker.recordAppended([entry(2, 1, "x")], after: 1, on: 3) } == .logMatching)
    // Same index and term, but a different history before it.
    #expect(violation { try checker.recordAppended([entry(2, 1, "b")], after: 2, on: 3) } == .logMatching)
  }

  @Test func logMatchingFullScan() {
    let shared = [entry(1, 1, "a"), entry(2, 2, "b")]
    let matching: [(node: NodeID, entries: ArraySlice<LogEntry>)] = [
      (1, ArraySlice(shared + [entry(3, 2, "c")])), (2, ArraySlice(shared + [entry(3, 3, "d")])),
      (3, ArraySlice([entry(1, 1, "a")])),
    ]
    #expect(violation { try SafetyChecker.verifyLogMatching(matching) } == nil)
    let diverging: [(node: NodeID, entries: ArraySlice<LogEntry>)] = [
      (1, ArraySlice(shared)), (2, ArraySlice([entry(1, 1, "z"), entry(2, 2, "b")])),
    ]
    #expect(violation { try SafetyChecker.verifyLogMatching(diverging) } == .logMatching)
  }

  @Test func leaderCompleteness() {
    var checker = SafetyChecker()
    let committed = [entry(1, 1), entry(2, 1, "a")]
    #expect(violation { try checker.recordLeader(1, term: 1, entryAt: log(committed)) } == nil)
    #expect(
      violation { try checker.recordCommitIndex(2, on: 1, leaderTerm: 1, term: 1, entryAt: log(committed)) } == nil)
    #expect(violation { try checker.recordLeader(2, term: 2, entryAt: log(committed)) } == nil)
    #expect(violation { try checker.recordLeader(3, term: 3, entryAt: log([entry(1, 1)])) } == .leaderCompleteness)
  }

  @Test func committedEntriesAgree() {
    var checker = SafetyChecker()
    #expect(
      violation { try checker.recordCommitIndex(1, on: 1, leaderTerm: 1, term: 1, entryAt: log([entry(1, 1, "a")])) }
        == nil)
    #expect(
      violation { try checker.recordCommitIndex(1, on: 2, leaderTerm: nil, term: 1, entryAt: log([entry(1, 1, "a")])) }
        == nil)
    let other = log([entry(1, 2, "b")])
    #expect(
      violation { try checker.recordCommitIndex(1, on: 3, leaderTerm: nil, term: 2, entryAt: other) }
        == .stateMachineSafety)
  }

  @Test func appliedEntriesAgree() {
    var checker = SafetyChecker()
    #expect(violation { try checker.recordApplied(entry(1, 1, "a"), on: 1) } == nil)
    #expect(violation { try checker.recordApplied(entry(1, 1, "a"), on: 2) } == nil)
    #expect(violation { try checker.recordApplied(entry(1, 1, "fake"), on: 3) } == .stateMachineSafety)
  }

  @Test func applyOrder() {
    var checker = SafetyChecker()
    #expect(violation { try checker.recordApplied(entry(1, 1, "a"), on: 1) } == nil)
    #expect(violation { try checker.recordApplied(entry(1, 1, "a"), on: 1) } == .applyOrder)
    #expect(violation { try checker.recordApplied(entry(3, 1, "c"), on: 2) } == .applyOrder)
    // A restart starts the node's apply history over.
    #expect(violation { try checker.recordRestart(of: 1, recoveredCommitIndex: 0, commitIndex: 0) } == nil)
    #expect(violation { try checker.recordApplied(entry(1, 1, "a"), on: 1) } == nil)
  }

  @Test func commitMonotonicity() {
    var checker = SafetyChecker()
    let entries = log([entry(1, 1, "a"), entry(2, 1, "b")])
    #expect(violation { try checker.recordCommitIndex(2, on: 1, leaderTerm: 1, term: 1, entryAt: entries) } == nil)
    #expect(
      violation { try checker.recordCommitIndex(1, on: 1, leaderTerm: 1, term: 1, entryAt: entries) }
        == .commitMonotonicity)
    #expect(violation { try checker.recordRestart(of: 2, recoveredCommitIndex: 2, commitIndex: 2) } == nil)
    #expect(
      violation { try checker.recordRestart(of: 2, recoveredCommitIndex: 2, commitIndex: 1) } == .commitMonotonicity)
  }

  @Test func currentTermCommit() {
    var checker = SafetyChecker()
    let entries = log([entry(1, 1, "a"), entry(2, 2), entry(3, 2, "b")])
    // A follower learns of commits of any term; a leader commits through an entry of its own.
    #expect(violation { try checker.recordCommitIndex(1, on: 1, leaderTerm: nil, term: 2, entryAt: entries) } == nil)
    #expect(violation { try checker.recordCommitIndex(3, on: 2, leaderTerm: 2, term: 2, entryAt: entries) } == nil)
    #expect(
      violation { try checker.recordCommitIndex(1, on: 3, leaderTerm: 2, term: 2, entryAt: entries) }
        == .currentTermCommit)
  }

  @Test func commitDurability() {
    let checker = SafetyChecker()
    let committed = entry(1, 1, "a")
    #expect(violation { try checker.verifyDurableQuorum(for: committed, durableNodes: [1, 2], clusterSize: 3) } == nil)
    #expect(
      violation { try checker.verifyDurableQuorum(for: committed, durableNodes: [1, 2], clusterSize: 5) }
        == .commitDurability)
  }

  @Test func committedProposalsKept() {
    var checker = SafetyChecker()
    let proposal = entry(2, 1, "a")
    checker.recordCommittedProposal(proposal)
    let applied: [NodeID: [LogEntry]] = [1: [entry(1, 1), proposal], 2: [entry(1, 1), proposal], 3: [entry(1, 1)]]
    let read = { (node: NodeID, index: LogIndex) in applied[node]!.first { $0.index == index } }
    #expect(violation { try checker.verifyCommittedProposals(on: [1, 2], appliedEntry: read) } == nil)
    #expect(
      violation { try checker.verifyCommittedProposals(on: [1, 2, 3], appliedEntry: read) } == .committedProposalsKept)
  }
}

@Suite struct ViolationReportTests {
  /// A node that forgets its log breaks Raft's assumptions; the simulator must notice the
  /// consequence, report it with the seed and a trace, and stay stopped.
  @Test func diskLossLeadsToACaughtViolation() throws {
    let simulation = try makeSimulation(seed: 77)
    let leader = try simulation.checkOneLeader()
    let others = simulation.nodeIDs.filter { $0 != leader }
    simulation.disconnect(others[1])
    try simulation.submit(bytes("x"), expectedNodes: 2)

    // The only two nodes that hold "x" go away; one comes back empty.
    simulation.crash(leader)
    simulation.crashLosingDisk(others[0])
    try simulation.restart(others[0])
    simulation.connect(others[1])

    let failure = #expect(throws: SimulationFailure.self) { try simulation.run(ticks: 500) }
    #expect(failure?.invariant == .leaderCompleteness)
    #expect(failure?.seed == 77)
    #expect(failure?.description.contains("seed 77") == true)
    #expect(failure?.trace.contains { $0.contains("becomes leader") } == true)
    #expect((failure?.trace.count ?? 0) <= SimulationOptions().traceCapacity)
    #expect(throws: SimulationFailure.self) { try simulation.run(ticks: 1) }
    #expect(simulation.failure != nil)
  }
}
