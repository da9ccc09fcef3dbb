import Counter
import ExampleSupport
import KeyValueStore
import LockService
import Raft
import RaftTesting
import Testing

/// The example state machines on a simulated cluster with message loss, delays, duplicates,
/// crashes and restarts: every replica ends in the same state, and retried writes of a session
/// (the simulator re-proposes a command that did not commit in time) apply once.
struct SimulatedServiceTests {
  /// Submits `commands` one by one while crashing and restarting nodes, then heals and checks.
  private func drive<M: StateMachine>(
    seed: UInt64, machine: @escaping () -> M, commands: [ServiceEntry]
  ) throws -> Simulation<M> {
    var options = SimulationOptions()
    options.network = .unreliable
    // Odd seeds snapshot every few entries and keep a short log, so crashed nodes restart from
    // snapshots and lagging ones receive them: the machines' snapshots are exercised too.
    if !seed.isMultiple(of: 2) {
      options.engine.snapshotThreshold = 5
      options.engine.snapshotTrailingEntries = 2
    }
    let simulation = try Simulation(options: options, seed: seed, machine: machine)
    var random = SeededGenerator(seed: seed)
    var crashed: NodeID?
    for (number, command) in commands.enumerated() {
      if number % 6 == 5 {
        if let node = crashed { try simulation.restart(node) }
        crashed = simulation.nodeIDs.randomElement(using: &random)
        simulation.crash(crashed!)
      }
      try simulation.submit(command.encoded, expectedNodes: 2, timeoutTicks: 3_000)
    }
    try simulation.healAndVerify(timeoutTicks: 3_000)
    if !seed.isMultiple(of: 2) {
      #expect(simulation.snapshotActivity.taken > 0, "seed \(seed): \(simulation.snapshotActivity)")
    }
    return simulation
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func counterIncrementsOnceEachOnEveryReplica(seed: UInt64) throws {
    let commands = (1...30).map { ServiceEntry(clientID: 77, sequence: UInt64($0), "INCR") }
    let simulation = try drive(seed: seed, machine: { Counter() }, commands: commands)
    for node in simulation.nodeIDs {
      #expect(simulation.machine(of: node).value == 30, "seed \(seed), node \(node)")
    }
  }

  @Test(arguments: [4, 5] as [UInt64])
  func keyValueReplicasAgree(seed: UInt64) throws {
    var commands: [ServiceEntry] = []
    for i in 1...24 {
      let key = "k\(i % 5)"
      switch i % 3 {
      case 0: commands.append(ServiceEntry(clientID: 9, sequence: UInt64(i), "INCR", "n"))
      case 1: commands.append(ServiceEntry(clientID: 9, sequence: UInt64(i), "SET", key, "v\(i)"))
      default: commands.append(ServiceEntry(clientID: 9, sequence: UInt64(i), "CAS", key, "v\(i - 1)", "c\(i)"))
      }
    }
    let simulation = try drive(seed: seed, machine: { KeyValueStore() }, commands: commands)
    let reference = simulation.machine(of: 1).values
    #expect(reference[Array("n".utf8)] == Array("8".utf8), "seed \(seed): 8 INCRs, each once")
    for node in simulation.nodeIDs {
      #expect(simulation.machine(of: node).values == reference, "seed \(seed), node \(node)")
    }
  }

  @Test(arguments: [6, 7] as [UInt64])
  func lockGrantsAgreeAndTokensIncrease(seed: UInt64) throws {
    // Two owners take turns on one lock with 50 ms leases; time is what the "leader" wrote.
    var commands: [ServiceEntry] = []
    for i in 1...20 {
      let owner = i.isMultiple(of: 2) ? "alice" : "bob"
      let time = UInt64(1_000 + 30 * i)
      commands.append(
        ServiceEntry(timestampMilliseconds: time, clientID: 1, sequence: UInt64(i), "LOCK", "res", owner, "50"))
    }
    let simulation = try drive(seed: seed, machine: { LockService() }, commands: commands)
    // Each node's grants, in the order it applied them (a node restored from a snapshot saw
    // only the later ones).
    var granted = 0
    for node in simulation.nodeIDs {
      let tokens = simulation.appliedCommands(on: node).compactMap { command -> Int64? in
        let text = String(decoding: command.result, as: UTF8.self)
        return text.hasPrefix(":") ? Int64(text.dropFirst().dropLast(2)) : nil
      }
      granted = max(granted, tokens.count)
      #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "seed \(seed), node \(node): \(tokens)")
    }
    #expect(granted > 0, "seed \(seed)")
    let reference = simulation.machine(of: 1).leases
    for node in simulation.nodeIDs { #expect(simulation.machine(of: node).leases == reference, "seed \(seed)") }
  }
}
