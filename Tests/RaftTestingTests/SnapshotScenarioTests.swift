import Raft
import RaftTesting
import Testing

/// The MIT 6.824 lab 2D scenarios (snapshots), written fresh against the simulator: nodes take
/// snapshots every `snapshotInterval` applied entries and compact their logs, followers that
/// fall behind a compaction receive the leader's snapshot in chunks, and crashed nodes restart
/// from their snapshot. Every safety property is checked after every event; a restored state
/// machine is checked against the committed commands it stands for.
@Suite struct SnapshotScenarioTests {
  private static let snapshotInterval = 10
  /// The most entries a log may hold in memory or on disk: 6.824's MAXLOGSIZE in entries.
  private static let maxLogEntries = 3 * snapshotInterval

  private func makeSimulation(
    seed: UInt64, network: NetworkConditions = .reliable, trailing: Int = 0, chunkBytes: Int = 64,
    nodes: Int = 3
  ) throws -> Simulation<CommandLog> {
    var options = SimulationOptions(nodeCount: nodes, network: network)
    options.engine.snapshotThreshold = Self.snapshotInterval
    options.engine.snapshotTrailingEntries = trailing
    options.engine.maxSnapshotChunkBytes = chunkBytes
    return try Simulation(options: options, seed: seed) { CommandLog() }
  }

  /// A command nobody else proposes, like 6.824's `rand.Int()`.
  private struct Commands {
    var random: SeededGenerator
    mutating func next() -> [UInt8] { Array("cmd-\(random.next() % 1_000_000_000)".utf8) }
  }

  private func checkLogsBounded(_ simulation: Simulation<CommandLog>) throws {
    for node in simulation.nodeIDs where simulation.isUp(node) {
      let log = simulation.engine(of: node).log
      let held = Int(log.lastIndex.rawValue - log.compactedIndex.rawValue)
      let stored = simulation.storage(of: node).durableState.entries.count
      guard held <= Self.maxLogEntries, stored <= Self.maxLogEntries + 10 else {
        throw simulation.expectationFailure(
          "n\(node)'s log is too large: \(held) entries in memory, \(stored) stored (snapshot \(log.compactedIndex))")
      }
    }
  }

  /// 6.824's `snapshotCommon`: 30 rounds; in each, a victim (a follower, or every third round the
  /// leader) is disconnected or crashed while the others commit enough for a snapshot, then
  /// brought back to catch up, through a snapshot when its next entry was compacted away.
  private func snapshotCommon(seed: UInt64, disconnect: Bool, reliable: Bool, crash: Bool) throws
    -> Simulation<CommandLog>
  {
    let simulation = try makeSimulation(seed: seed, network: reliable ? .reliable : .unreliable)
    let servers = simulation.nodeIDs.count
    var commands = Commands(random: SeededGenerator(seed: seed))
    var random = SeededGenerator(seed: seed &+ 1)
    var leader = try simulation.checkOneLeader()
    for round in 0..<30 {
      let other = simulation.nodeIDs.first { $0 != leader }!
      let (sender, victim) = round % 3 == 1 ? (other, leader) : (leader, other)
      if disconnect {
        simulation.disconnect(victim)
        try simulation.submit(commands.next(), expectedNodes: servers - 1)
      }
      if crash {
        simulation.crash(victim)
        try simulation.submit(commands.next(), expectedNodes: servers - 1)
      }
      // Enough to make a snapshot, proposed at once to whichever node `sender` is.
      let count = Self.snapshotInterval / 2 + Int(random.next() % UInt64(Self.snapshotInterval))
      for _ in 0..<count { _ = try? simulation.propose(commands.next(), to: sender) }
      let everyone = !disconnect && !crash
      try simulation.submit(commands.next(), expectedNodes: everyone ? servers : servers - 1)
      try checkLogsBounded(simulation)
      if disconnect {
        simulation.connect(victim)
        try simulation.submit(commands.next(), expectedNodes: servers)
        leader = try simulation.checkOneLeader()
      }
      if crash {
        try simulation.restart(victim)
        try simulation.submit(commands.next(), expectedNodes: servers)
        leader = try simulation.checkOneLeader()
      }
    }
    try simulation.healAndVerify()
    return simulation
  }

  @Test(arguments: [1] as [UInt64])
  func basicSnapshots(seed: UInt64) throws {
    let simulation = try snapshotCommon(seed: seed, disconnect: false, reliable: true, crash: false)
    #expect(simulation.snapshotActivity.taken >= 3 * 30 * Self.snapshotInterval / 2 / Self.snapshotInterval)
  }

  @Test(arguments: [1] as [UInt64])
  func installSnapshotsAfterDisconnection(seed: UInt64) throws {
    let simulation = try snapshotCommon(seed: seed, disconnect: true, reliable: true, crash: false)
    #expect(simulation.traffic.messages(ofKind: "Snap") > 0)
    #expect(simulation.snapshotActivity.restored > 5)
  }

  @Test(arguments: [1] as [UInt64])
  func installSnapshotsUnreliable(seed: UInt64) throws {
    let simulation = try snapshotCommon(seed: seed, disconnect: true, reliable: false, crash: false)
    #expect(simulation.traffic.messages(ofKind: "Snap") > 0)
    #expect(simulation.snapshotActivity.restored > 5)
  }

  @Test(arguments: [1] as [UInt64])
  func installSnapshotsWithCrashes(seed: UInt64) throws {
    let simulation = try snapshotCommon(seed: seed, disconnect: false, reliable: true, crash: true)
    #expect(simulation.snapshotActivity.restored > 10, "restarts restore from snapshots")
  }

  @Test(arguments: [1] as [UInt64])
  func installSnapshotsUnreliableWithCrashes(seed: UInt64) throws {
    let simulation = try snapshotCommon(seed: seed, disconnect: false, reliable: false, crash: true)
    #expect(simulation.snapshotActivity.restored > 10)
  }

  /// 6.824's `TestSnapshotAllCrash2D`: the whole cluster crashes repeatedly and must come back
  /// from its snapshots without losing or repeating a committed command.
  @Test(arguments: [1] as [UInt64])
  func allCrash(seed: UInt64) throws {
    let simulation = try makeSimulation(seed: seed, network: .unreliable)
    var commands = Commands(random: SeededGenerator(seed: seed))
    let servers = simulation.nodeIDs.count
    for _ in 0..<5 {
      let before = try simulation.submit(commands.next(), expectedNodes: servers)
      for _ in 0..<(Self.snapshotInterval / 2 + 3) { try simulation.submit(commands.next(), expectedNodes: servers) }
      for node in simulation.nodeIDs { simulation.crash(node) }
      for node in simulation.nodeIDs { try simulation.restart(node) }
      let after = try simulation.submit(commands.next(), expectedNodes: servers)
      #expect(after > before)
    }
    try simulation.healAndVerify()
    #expect(simulation.snapshotActivity.restored > 5)
  }

  /// 6.824's `TestSnapshotInit2D`: a cluster that restarts right after snapshotting must start
  /// from the snapshot (not re-apply or lose what it covers), then restart again after one more
  /// command.
  @Test(arguments: [1] as [UInt64])
  func snapshotAtInit(seed: UInt64) throws {
    let simulation = try makeSimulation(seed: seed)
    var commands = Commands(random: SeededGenerator(seed: seed))
    let servers = simulation.nodeIDs.count
    try simulation.submit(commands.next(), expectedNodes: servers)
    for _ in 0...Self.snapshotInterval { try simulation.submit(commands.next(), expectedNodes: servers) }
    for node in simulation.nodeIDs { #expect(simulation.engine(of: node).snapshot != nil) }
    for node in simulation.nodeIDs { simulation.crash(node) }
    for node in simulation.nodeIDs { try simulation.restart(node) }
    #expect(simulation.snapshotActivity.restored == servers)
    try simulation.submit(commands.next(), expectedNodes: servers)
    for node in simulation.nodeIDs { simulation.crash(node) }
    for node in simulation.nodeIDs { try simulation.restart(node) }
    try simulation.submit(commands.next(), expectedNodes: servers)
    try simulation.healAndVerify()
  }

  /// A snapshot of many chunks sent to a follower back from a disconnection, over a network
  /// that loses, duplicates and reorders chunks: the follower installs it intact, and the
  /// leader resends only what went missing (it resumes from the follower's offset).
  @Test(arguments: [1, 2] as [UInt64])
  func chunkingUnderLossAndReordering(seed: UInt64) throws {
    let simulation = try makeSimulation(seed: seed, chunkBytes: 32)
    let servers = simulation.nodeIDs.count
    var commands = Commands(random: SeededGenerator(seed: seed))
    let leader = try simulation.checkOneLeader()
    let follower = simulation.nodeIDs.first { $0 != leader }!
    simulation.disconnect(follower)
    for _ in 0..<(4 * Self.snapshotInterval) { try simulation.submit(commands.next(), expectedNodes: servers - 1) }
    let current = try simulation.checkOneLeader()
    let snapshotSize = try #require(simulation.engine(of: current).snapshot?.size)
    #expect(snapshotSize > 20 * 32, "the snapshot spans many chunks")
    simulation.network = NetworkConditions(
      delay: 1...30, dropProbability: 0.2, duplicateProbability: 0.1, longDelayProbability: 0.1, longDelay: 50...300)
    let sentBefore = simulation.nodeIDs.map { simulation.statistics(of: $0).snapshotBytesSent }.reduce(0, +)
    simulation.connect(follower)
    let caughtUp = try simulation.run(timeoutTicks: 3_000) { simulation in
      simulation.engine(of: follower).statistics.snapshotsInstalled > 0
    }
    #expect(caughtUp, "the follower installed the snapshot")
    let bytesSent = simulation.nodeIDs.map { simulation.statistics(of: $0).snapshotBytesSent }.reduce(0, +) - sentBefore
    // A fifth of the chunks lost, a tenth far out of order: about twice the size is resent.
    #expect(bytesSent < 3 * Int(snapshotSize), "sent \(bytesSent) bytes for a snapshot of \(snapshotSize)")
    try simulation.healAndVerify()
  }
}
