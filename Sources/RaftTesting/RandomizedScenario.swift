import Raft

/// A randomized fault-injection run, entirely determined by its seed: the seed picks the engine
/// options (backtracking strategy, pre-vote, check-quorum, batching and flow-control limits),
/// the network's loss, duplication and delays, the disk's fsync latency and a mix of faults,
/// then drives ``steps`` steps of client register writes (to the leader, or through a follower
/// that forwards them), linearizable reads on any node, leadership transfers, symmetric and
/// one-way partitions, crashes and restarts (many aimed at the leader), pauses and changes of
/// network conditions, with every safety property checked after every event and every served
/// read checked for linearizability (``Invariant/linearizableReads``). At the end it heals everything and checks
/// that the cluster converges and kept every committed proposal
/// (``Simulation/healAndVerify(timeoutTicks:)``).
///
/// Used by the `raft-sim` command and the randomized tests; run one to replay a seed.
public struct RandomizedScenario: Sendable {
  /// The seed every choice of the run derives from.
  public var seed: UInt64
  /// Nodes in the cluster.
  public var nodeCount: Int
  /// Steps of fault injection before the final healing; each lets up to 50 ms pass.
  public var steps: Int
  /// Keep the whole trace in the outcome, not only the last events of a failure.
  public var recordsFullTrace: Bool

  /// A scenario of `steps` steps on `nodeCount` nodes, determined by `seed`.
  public init(seed: UInt64, nodeCount: Int = 3, steps: Int = 300, recordsFullTrace: Bool = false) {
    self.seed = seed
    self.nodeCount = nodeCount
    self.steps = steps
    self.recordsFullTrace = recordsFullTrace
  }

  /// Runs the scenario.
  public func run() -> ScenarioOutcome {
    var random = SeededGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    let profile = FaultProfile.allCases.randomElement(using: &random)!
    let options = drawOptions(for: profile, using: &random)
    let simulation: Simulation<RegisterStore>
    do {
      simulation = try Simulation(options: options, seed: seed) { RegisterStore() }
    } catch {
      preconditionFailure("the scenario drew invalid engine options: \(error)")
    }
    var driver = FaultDriver(simulation: simulation, profile: profile, baseNetwork: options.network, random: random)
    var failure: SimulationFailure?
    do {
      for _ in 0..<steps { try driver.step() }
      try simulation.healAndVerify()
    } catch let error {
      failure = error
    }
    return ScenarioOutcome(
      seed: seed,
      settings: "nodes=\(nodeCount) steps=\(steps) faults=\(profile) \(options.engine.summary)"
        + " fsync=\(options.fsyncLatency.lowerBound)...\(options.fsyncLatency.upperBound)ms network: \(options.network)",
      failure: failure, trace: simulation.fullTrace, committedProposals: simulation.checker.committedProposals.count,
      readsChecked: simulation.linearizability.readsChecked, faults: driver.faults, traffic: simulation.traffic,
      snapshots: simulation.snapshotActivity,
      virtualTime: simulation.now,
      highestTerm: simulation.nodeIDs.map { simulation.term(of: $0) }.max() ?? .zero)
  }

  private func drawOptions(for profile: FaultProfile, using random: inout SeededGenerator) -> SimulationOptions {
    var engine = EngineOptions()
    engine.backtracking = Bool.random(using: &random) ? DecrementBacktracking() : ConflictHintBacktracking()
    engine.preVote = Bool.random(using: &random)
    engine.checkQuorum = Bool.random(using: &random)
    engine.electionTimeoutTicks = 10
    engine.heartbeatIntervalTicks = Int.random(in: 1...3, using: &random)
    // One entry per message splits a new leader's catch-up of old entries from its no-op, which
    // is what lets a broken Figure 8 rule show.
    engine.maxEntriesPerAppend = [1, 3, 64].randomElement(using: &random)!
    engine.maxInflightAppends = [1, 4, 64].randomElement(using: &random)!
    engine.maxUncommittedBytes = Int.random(in: 0..<4, using: &random) == 0 ? 40 : 1 << 20
    let lossy = profile == .lossy
    let network = NetworkConditions(
      delay: 1...VirtualTime.random(in: 3...25, using: &random),
      dropProbability: (lossy ? [0.1, 0.2, 0.3] : [0, 0.02, 0.1]).randomElement(using: &random)!,
      duplicateProbability: (lossy ? [0.05, 0.1, 0.2] : [0, 0.02, 0.05]).randomElement(using: &random)!,
      longDelayProbability: (lossy ? [0.02, 0.05, 0.1] : [0, 0.01]).randomElement(using: &random)!,
      longDelay: 50...400)
    // A slow disk leaves writes unsynced longer than a network round trip, so crashes lose
    // writes that peers already heard about.
    let fsyncLatency: ClosedRange<VirtualTime> = [1...2, 1...8, 5...40].randomElement(using: &random)!
    // Half the runs snapshot and compact, some so often and with so short a trailing window
    // that followers back from a partition or a crash need the snapshot; small chunks make
    // transfers span many messages, to meet loss, reordering and leader changes.
    if Bool.random(using: &random) {
      engine.snapshotThreshold = [3, 10, 40].randomElement(using: &random)!
      engine.snapshotTrailingEntries = [0, 2, 20].randomElement(using: &random)!
      engine.maxSnapshotChunkBytes = [8, 64, 1 << 20].randomElement(using: &random)!
    }
    return SimulationOptions(
      nodeCount: nodeCount, engine: engine, network: network, tickInterval: 10, fsyncLatency: fsyncLatency,
      recordsFullTrace: recordsFullTrace)
  }
}

/// What a ``RandomizedScenario`` run found.
public struct ScenarioOutcome: Sendable {
  /// The seed that replays this run.
  public var seed: UInt64
  /// The options the seed drew, on one line.
  public var settings: String
  /// The first failure, if any.
  public var failure: SimulationFailure?
  /// Every trace line, if the scenario recorded them.
  public var trace: [String]?
  /// Proposals their proposer applied (and so reported committed), all checked kept.
  public var committedProposals: Int
  /// Linearizable reads served, every one checked against the writes clients saw complete.
  public var readsChecked: Int
  /// The faults the run injected.
  public var faults: FaultCounts
  /// What the nodes sent and what the network did with it.
  public var traffic: TrafficCounters
  /// Snapshots taken and restored.
  public var snapshots: SnapshotActivity
  /// The virtual time the run ended at.
  public var virtualTime: VirtualTime
  /// The highest term any node reached.
  public var highestTerm: Term

  /// Whether the run found nothing wrong.
  public var passed: Bool { failure == nil }

  /// One line: the seed, pass or fail, and the run's size.
  public var summary: String {
    let size =
      "\(committedProposals) proposals committed, \(readsChecked) reads checked, \(traffic.messages) messages (\(traffic.dropped) dropped,"
      + " \(traffic.duplicated) duplicated, \(traffic.blocked) blocked), term \(highestTerm), t=\(virtualTime)ms;"
      + " \(faults); \(snapshots)"
    if let failure { return "seed \(seed) FAILED: \(failure.reason) at t=\(failure.time): \(failure.detail)" }
    return "seed \(seed) passed: \(size)"
  }
}

/// How many faults of each kind a ``RandomizedScenario`` injected (client proposals included).
public struct FaultCounts: Hashable, Sendable, CustomStringConvertible {
  /// Client proposals attempted (most refused for want of a leader, some accepted).
  public var proposals = 0
  /// Symmetric partitions into two groups.
  public var partitions = 0
  /// Links blocked in one direction.
  public var oneWayBlocks = 0
  /// Removals of every partition and link block.
  public var heals = 0
  /// Crashes of running nodes.
  public var crashes = 0
  /// Restarts of crashed nodes.
  public var restarts = 0
  /// Pauses of running nodes.
  public var pauses = 0
  /// Changes of loss, duplication and delay rates.
  public var networkChanges = 0
  /// Nodes detached from the network.
  public var disconnects = 0
  /// Client reads attempted, on any node (those served are checked for linearizability).
  public var reads = 0
  /// Client proposals made through a follower, which forwards them to its leader.
  public var forwardedProposals = 0
  /// Leadership transfers asked of a leader.
  public var transfers = 0

  /// No faults yet.
  public init() {}

  public var description: String {
    "\(proposals) proposals, \(partitions) partitions, \(oneWayBlocks) one-way blocks, \(heals) heals,"
      + " \(crashes) crashes, \(restarts) restarts, \(pauses) pauses, \(networkChanges) network changes,"
      + " \(disconnects) disconnects, \(reads) reads, \(forwardedProposals) forwarded proposals, \(transfers) transfers"
  }
}
