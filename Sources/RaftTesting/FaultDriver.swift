import Raft

/// The mix of faults a randomized run injects. Every mix has every kind of fault; they differ
/// in which dominate, since different bugs need different weather.
enum FaultProfile: String, CaseIterable, CustomStringConvertible {
  /// A bit of everything.
  case mixed
  /// Leaders crash and come back often: terms that leave divergent uncommitted entries behind.
  case leaderChurn
  /// Symmetric and one-way partitions come and go.
  case partitions
  /// A harsh network: heavy loss, duplication and reordering.
  case lossy

  var description: String { rawValue }

  /// Per-mille chances of each action per step; the rest of the thousand lets time pass.
  var weights: [(FaultAction, Int)] {
    switch self {
    case .mixed:
      [
        (.propose, 400), (.partition, 30), (.blockOneWay, 20), (.healNetwork, 50), (.crashLeader, 25),
        (.crashAny, 25), (.restart, 60), (.pause, 20), (.resume, 50), (.changeNetwork, 20),
        (.disconnectLeader, 40), (.disconnectAny, 10), (.reconnect, 50), (.read, 100), (.proposeViaFollower, 40),
        (.transferLeadership, 10),
      ]
    case .leaderChurn:
      [
        (.propose, 450), (.partition, 10), (.blockOneWay, 10), (.healNetwork, 30), (.crashLeader, 80),
        (.crashAny, 20), (.restart, 120), (.pause, 10), (.resume, 30), (.changeNetwork, 10),
        (.disconnectLeader, 40), (.reconnect, 60), (.read, 80), (.proposeViaFollower, 30), (.transferLeadership, 10),
      ]
    case .partitions:
      [
        (.propose, 400), (.partition, 80), (.blockOneWay, 50), (.healNetwork, 80), (.crashLeader, 15),
        (.crashAny, 15), (.restart, 40), (.pause, 10), (.resume, 30), (.changeNetwork, 10),
        (.disconnectLeader, 30), (.disconnectAny, 20), (.reconnect, 50), (.read, 100), (.proposeViaFollower, 40),
        (.transferLeadership, 10),
      ]
    case .lossy:
      [
        (.propose, 450), (.partition, 20), (.blockOneWay, 10), (.healNetwork, 40), (.crashLeader, 20),
        (.crashAny, 20), (.restart, 50), (.pause, 15), (.resume, 40), (.changeNetwork, 40),
        (.disconnectLeader, 20), (.disconnectAny, 10), (.reconnect, 40), (.read, 100), (.proposeViaFollower, 40),
        (.transferLeadership, 10),
      ]
    }
  }
}

enum FaultAction {
  case propose, partition, blockOneWay, healNetwork, crashLeader, crashAny, restart, pause, resume
  case changeNetwork, disconnectLeader, disconnectAny, reconnect
  case read, proposeViaFollower, transferLeadership
}

/// Drives a simulation one random step at a time: let up to 50 ms pass, then maybe act.
///
/// Client proposals write registers of a ``RegisterStore`` (a few keys, each value unique), and
/// client reads of them on any node are checked for linearizability as they are served.
struct FaultDriver {
  let simulation: Simulation<RegisterStore>
  let profile: FaultProfile
  let baseNetwork: NetworkConditions
  var random: SeededGenerator
  private(set) var faults = FaultCounts()
  private var writes = 0

  init(
    simulation: Simulation<RegisterStore>, profile: FaultProfile, baseNetwork: NetworkConditions,
    random: SeededGenerator
  ) {
    self.simulation = simulation
    self.profile = profile
    self.baseNetwork = baseNetwork
    self.random = random
  }

  private var nodes: [NodeID] { simulation.nodeIDs }

  mutating func step() throws(SimulationFailure) {
    try simulation.run(for: VirtualTime.random(in: 1...50, using: &random))
    var roll = Int.random(in: 0..<1000, using: &random)
    for (action, weight) in profile.weights {
      if roll < weight { return try perform(action) }
      roll -= weight
    }
  }

  private mutating func perform(_ action: FaultAction) throws(SimulationFailure) {
    switch action {
    case .propose:
      for _ in 0..<[1, 1, 1, 2, 5].randomElement(using: &random)! { propose() }
    case .partition:
      var shuffled = nodes
      shuffled.shuffle(using: &random)
      let cut = Int.random(in: 1..<shuffled.count, using: &random)
      simulation.partition([Array(shuffled[..<cut]), Array(shuffled[cut...])])
      faults.partitions += 1
    case .blockOneWay:
      let sender = pick(nodes)
      simulation.block(from: sender, to: pick(nodes.filter { $0 != sender }))
      faults.oneWayBlocks += 1
    case .healNetwork:
      simulation.healNetwork()
      faults.heals += 1
    case .crashLeader:
      crash(simulation.reachableLeader ?? pick(nodes))
    case .crashAny:
      crash(pick(nodes))
    case .restart:
      if let node = pickAny(of: nodes.filter { !simulation.isUp($0) }) {
        try simulation.restart(node)
        faults.restarts += 1
      }
    case .pause:
      let node = pick(nodes)
      if simulation.isUp(node) && !simulation.isPaused(node) { faults.pauses += 1 }
      simulation.pause(node)
    case .resume:
      if let node = pickAny(of: nodes.filter { simulation.isPaused($0) }) { try simulation.resume(node) }
    case .changeNetwork:
      changeNetwork()
    case .disconnectLeader:
      simulation.disconnect(simulation.reachableLeader ?? pick(nodes))
      faults.disconnects += 1
    case .disconnectAny:
      simulation.disconnect(pick(nodes))
      faults.disconnects += 1
    case .reconnect:
      if let node = pickAny(of: nodes.filter { !simulation.isConnected($0) }) { simulation.connect(node) }
    case .read:
      for _ in 0..<[1, 1, 2, 4].randomElement(using: &random)! {
        faults.reads += 1
        _ = try? simulation.startRead(of: pickKey(), on: pick(nodes))
      }
    case .proposeViaFollower:
      faults.forwardedProposals += 1
      let followers = nodes.filter { simulation.isUp($0) && simulation.role(of: $0) == .follower }
      _ = try? simulation.propose(nextWrite(), via: pickAny(of: followers) ?? pick(nodes))
    case .transferLeadership:
      if let leader = simulation.reachableLeader {
        faults.transfers += 1
        try? simulation.transferLeadership(from: leader, to: pick(nodes.filter { $0 != leader }))
      }
    }
  }

  /// A write of a fresh value to one of a few registers, so that reads see contention.
  private mutating func nextWrite() -> [UInt8] {
    writes += 1
    return RegisterStore.write("v\(writes)", to: pickKey())
  }

  private mutating func pickKey() -> String { "k\(Int.random(in: 0..<3, using: &random))" }

  private mutating func propose() {
    faults.proposals += 1
    let command = nextWrite()
    // Mostly to the leader, as a client that knows it; sometimes to anyone, which usually refuses.
    if Int.random(in: 0..<4, using: &random) > 0, let leader = simulation.reachableLeader {
      _ = try? simulation.propose(command, to: leader)
    } else {
      _ = try? simulation.propose(command, to: pick(nodes))
    }
  }

  private mutating func crash(_ node: NodeID) {
    if simulation.isUp(node) { faults.crashes += 1 }
    simulation.crash(node)
  }

  private mutating func changeNetwork() {
    var network = baseNetwork
    if Bool.random(using: &random) {
      network.dropProbability = Double.random(in: 0...0.3, using: &random)
      network.duplicateProbability = Double.random(in: 0...0.2, using: &random)
      network.longDelayProbability = Double.random(in: 0...0.1, using: &random)
    }
    simulation.network = network
    faults.networkChanges += 1
  }

  private mutating func pick(_ candidates: [NodeID]) -> NodeID { candidates.randomElement(using: &random)! }
  private mutating func pickAny(of candidates: [NodeID]) -> NodeID? { candidates.randomElement(using: &random) }
}
