import Raft

/// A randomized fault-injection run, entirely determined by its seed: the seed picks the engine
/// options (backtracking strategy, pre-vote, check-quorum, batching and flow-control limits)
/// and the network's loss, duplication and delays, then drives ``steps`` steps mixing client
/// proposals, symmetric and one-way partitions, crashes and restarts, pauses and changes of
/// network conditions, with every safety property checked after every event. At the end it
/// heals everything and checks that the cluster converges and kept every committed proposal
/// (``Simulation/healAndVerify(timeoutTicks:)``).
///
/// Used by the `raft-sim` command and the randomized tests; run one to replay a seed.
public struct RandomizedScenario: Sendable {
  public var seed: UInt64
  public var nodeCount: Int
  public var steps: Int
  /// Keep the whole trace in the outcome, not only the last events of a failure.
  public var recordsFullTrace: Bool

  public init(seed: UInt64, nodeCount: Int = 3, steps: Int = 300, recordsFullTrace: Bool = false) {
    self.seed = seed
    self.nodeCount = nodeCount
    self.steps = steps
    self.recordsFullTrace = recordsFullTrace
  }

  /// Runs the scenario.
  public func run() -> ScenarioOutcome {
    var random = SeededGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    let options = drawOptions(using: &random)
    let simulation: Simulation<CommandLog>
    do {
      simulation = try Simulation(options: options, seed: seed) { CommandLog() }
    } catch {
      preconditionFailure("the scenario drew invalid engine options: \(error)")
    }
    var driver = FaultDriver(simulation: simulation, baseNetwork: options.network, random: random)
    var failure: SimulationFailure?
    do {
      for _ in 0..<steps { try driver.step() }
      try simulation.healAndVerify()
    } catch let error {
      failure = error
    }
    return ScenarioOutcome(
      seed: seed, settings: "nodes=\(nodeCount) steps=\(steps) \(options.engine.summary) network: \(options.network)",
      failure: failure, trace: simulation.fullTrace, committedProposals: simulation.checker.committedProposals.count,
      faults: driver.faults, traffic: simulation.traffic, virtualTime: simulation.now,
      highestTerm: simulation.nodeIDs.map { simulation.term(of: $0) }.max() ?? .zero)
  }

  private func drawOptions(using random: inout SeededGenerator) -> SimulationOptions {
    var engine = EngineOptions()
    engine.backtracking = Bool.random(using: &random) ? DecrementBacktracking() : ConflictHintBacktracking()
    engine.preVote = Bool.random(using: &random)
    engine.checkQuorum = Bool.random(using: &random)
    engine.electionTimeoutTicks = 10
    engine.heartbeatIntervalTicks = Int.random(in: 1...3, using: &random)
    engine.maxEntriesPerAppend = [1, 3, 64].randomElement(using: &random)!
    engine.maxInflightAppends = [1, 4, 64].randomElement(using: &random)!
    engine.maxUncommittedBytes = Int.random(in: 0..<4, using: &random) == 0 ? 40 : 1 << 20
    let network = NetworkConditions(
      delay: 1...VirtualTime.random(in: 3...25, using: &random),
      dropProbability: [0, 0.02, 0.1, 0.2].randomElement(using: &random)!,
      duplicateProbability: [0, 0.02, 0.1].randomElement(using: &random)!,
      longDelayProbability: [0, 0.01, 0.05].randomElement(using: &random)!,
      longDelay: 50...400)
    return SimulationOptions(
      nodeCount: nodeCount, engine: engine, network: network, tickInterval: 10,
      fsyncLatency: 1...VirtualTime.random(in: 1...8, using: &random), recordsFullTrace: recordsFullTrace)
  }
}

/// What a ``RandomizedScenario`` run found.
public struct ScenarioOutcome: Sendable {
  public var seed: UInt64
  /// The options the seed drew, on one line.
  public var settings: String
  /// The first failure, if any.
  public var failure: SimulationFailure?
  /// Every trace line, if the scenario recorded them.
  public var trace: [String]?
  /// Proposals their proposer applied (and so reported committed), all checked kept.
  public var committedProposals: Int
  /// The faults the run injected.
  public var faults: FaultCounts
  /// What the nodes sent and what the network did with it.
  public var traffic: TrafficCounters
  public var virtualTime: VirtualTime
  public var highestTerm: Term

  public var passed: Bool { failure == nil }

  /// One line: the seed, pass or fail, and the run's size.
  public var summary: String {
    let size =
      "\(committedProposals) proposals committed, \(traffic.messages) messages (\(traffic.dropped) dropped,"
      + " \(traffic.duplicated) duplicated, \(traffic.blocked) blocked), term \(highestTerm), t=\(virtualTime)ms;"
      + " \(faults)"
    if let failure { return "seed \(seed) FAILED: \(failure.reason) at t=\(failure.time): \(failure.detail)" }
    return "seed \(seed) passed: \(size)"
  }
}

/// How many faults of each kind a ``RandomizedScenario`` injected (client proposals included).
public struct FaultCounts: Hashable, Sendable, CustomStringConvertible {
  public var proposals = 0
  public var partitions = 0
  public var oneWayBlocks = 0
  public var heals = 0
  public var crashes = 0
  public var restarts = 0
  public var pauses = 0
  public var networkChanges = 0
  public var disconnects = 0

  public init() {}

  public var description: String {
    "\(proposals) proposals, \(partitions) partitions, \(oneWayBlocks) one-way blocks, \(heals) heals,"
      + " \(crashes) crashes, \(restarts) restarts, \(pauses) pauses, \(networkChanges) network changes,"
      + " \(disconnects) disconnects"
  }
}

/// Picks one random action per step.
private struct FaultDriver {
  let simulation: Simulation<CommandLog>
  let baseNetwork: NetworkConditions
  var random: SeededGenerator
  var commandsProposed = 0
  var faults = FaultCounts()

  init(simulation: Simulation<CommandLog>, baseNetwork: NetworkConditions, random: SeededGenerator) {
    self.simulation = simulation
    self.baseNetwork = baseNetwork
    self.random = random
  }

  private var nodes: [NodeID] { simulation.nodeIDs }

  mutating func step() throws(SimulationFailure) {
    try simulation.run(for: VirtualTime.random(in: 1...50, using: &random))
    // Faults come about once per election timeout on average, so the cluster spends time both
    // disrupted and stable enough to elect leaders and commit.
    let roll = Int.random(in: 0..<1000, using: &random)
    switch roll {
    case 0..<500:
      proposeBurst()
    case 500..<530:
      partitionSymmetrically()
    case 530..<550:
      blockOneWay()
    case 550..<610:
      simulation.healNetwork()
      faults.heals += 1
    case 610..<640:
      let node = pick(nodes)
      if simulation.isUp(node) { faults.crashes += 1 }
      simulation.crash(node)
    case 640..<700:
      if let node = pickAny(of: nodes.filter { !simulation.isUp($0) }) {
        try simulation.restart(node)
        faults.restarts += 1
      }
    case 700..<720:
      let node = pick(nodes)
      if simulation.isUp(node) && !simulation.isPaused(node) { faults.pauses += 1 }
      simulation.pause(node)
    case 720..<770:
      if let node = pickAny(of: nodes.filter { simulation.isPaused($0) }) { try simulation.resume(node) }
    case 770..<790:
      changeNetwork()
      faults.networkChanges += 1
    case 790..<805:
      simulation.disconnect(pick(nodes))
      faults.disconnects += 1
    case 805..<835:
      simulation.connect(pick(nodes))
    default:
      break  // time passes
    }
  }

  private mutating func proposeBurst() {
    for _ in 0..<[1, 1, 1, 2, 5].randomElement(using: &random)! { propose() }
  }

  private mutating func propose() {
    commandsProposed += 1
    faults.proposals += 1
    let command = Array("c\(commandsProposed)".utf8)
    // Mostly to the leader, as a client that knows it; sometimes to anyone, which usually refuses.
    if Int.random(in: 0..<4, using: &random) > 0, let leader = simulation.reachableLeader {
      _ = try? simulation.propose(command, to: leader)
    } else {
      _ = try? simulation.propose(command, to: pick(nodes))
    }
  }

  private mutating func partitionSymmetrically() {
    var shuffled = nodes
    shuffled.shuffle(using: &random)
    let cut = Int.random(in: 1..<shuffled.count, using: &random)
    simulation.partition([Array(shuffled[..<cut]), Array(shuffled[cut...])])
    faults.partitions += 1
  }

  private mutating func blockOneWay() {
    let sender = pick(nodes)
    let receiver = pick(nodes.filter { $0 != sender })
    simulation.block(from: sender, to: receiver)
    faults.oneWayBlocks += 1
  }

  private mutating func changeNetwork() {
    var network = baseNetwork
    if Bool.random(using: &random) {
      network.dropProbability = Double.random(in: 0...0.3, using: &random)
      network.duplicateProbability = Double.random(in: 0...0.2, using: &random)
      network.longDelayProbability = Double.random(in: 0...0.1, using: &random)
    }
    simulation.network = network
  }

  private mutating func pick(_ candidates: [NodeID]) -> NodeID { candidates.randomElement(using: &random)! }
  private mutating func pickAny(of candidates: [NodeID]) -> NodeID? { candidates.randomElement(using: &random) }
}
