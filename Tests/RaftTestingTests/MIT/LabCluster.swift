import Raft
import RaftTesting
import Testing

/// The scenarios of the MIT 6.824 Raft lab's tests (parts 2A to 2C), against the simulator;
/// `swift test --filter MIT` runs them all.
@Suite("MIT 6.824 lab 2A-2C") enum MIT {}

/// The lab's timing, mapped to virtual time: one tick is 10 ms.
enum LabTiming {
  /// Virtual milliseconds per engine tick.
  static let tickMilliseconds: VirtualTime = 10
  /// The lab's `RaftElectionTimeout`: the tester allows an election to take a second.
  static let electionTimeout: VirtualTime = 1_000
  /// Election timeouts of 300 to 600 ms, as the lab suggests (the engine draws from
  /// `electionTimeoutTicks ..< 2 * electionTimeoutTicks`).
  static let electionTimeoutTicks = 30
  /// The lab allows at most ten heartbeats per second.
  static let heartbeatIntervalTicks = 10
}

/// A simulated cluster driven like MIT 6.824's `config.go`: servers are numbered from 0 so a
/// scenario can say `(leader + 1) % servers`, commands are integers, and time passes in
/// milliseconds. Every failure message carries the seed.
final class LabCluster {
  let simulation: Simulation<CommandLog>
  let servers: Int
  let seed: UInt64
  var random: SeededGenerator

  init(
    servers: Int, seed: UInt64, unreliable: Bool = false,
    backtracking: any LogBacktracking = ConflictHintBacktracking(), preVoteAndCheckQuorum: Bool = true
  ) throws {
    var engine = EngineOptions()
    engine.electionTimeoutTicks = LabTiming.electionTimeoutTicks
    engine.heartbeatIntervalTicks = LabTiming.heartbeatIntervalTicks
    engine.backtracking = backtracking
    // The lab's Raft has neither; ours has both on by default.
    engine.preVote = preVoteAndCheckQuorum
    engine.checkQuorum = preVoteAndCheckQuorum
    let options = SimulationOptions(
      nodeCount: servers, engine: engine, network: unreliable ? .unreliable : .reliable,
      tickInterval: LabTiming.tickMilliseconds)
    self.simulation = try Simulation(options: options, seed: seed) { CommandLog() }
    self.servers = servers
    self.seed = seed
    // The scenario's own choices (which server, which command) use a generator apart from the
    // simulation's, derived from the same seed.
    self.random = SeededGenerator(seed: seed ^ 0x6_824)
  }

  /// Names the run in `#expect` messages so a failure shows its seed.
  var context: Comment { "seed \(seed)" }

  func node(_ server: Int) -> NodeID { NodeID(UInt64(server % servers + 1)) }
  func server(_ node: NodeID) -> Int { Int(node.rawValue) - 1 }
  var allServers: Range<Int> { 0..<servers }

  func randomServer() -> Int { Int.random(in: 0..<servers, using: &random) }
  func randomCommand() -> Int { Int.random(in: 0..<1_000_000_000, using: &random) }
  func randomBelow(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }

  // MARK: Time and faults

  func sleep(milliseconds: VirtualTime) throws { try simulation.run(for: milliseconds) }

  func disconnect(_ server: Int) { simulation.disconnect(node(server)) }
  func connect(_ server: Int) { simulation.connect(node(server)) }
  func isConnected(_ server: Int) -> Bool { simulation.isConnected(node(server)) }
  func isUp(_ server: Int) -> Bool { simulation.isUp(node(server)) }

  /// The lab's `crash1`: the server stops and keeps only what it made durable.
  func crash(_ server: Int) { simulation.crash(node(server)) }

  /// The lab's `start1`: a (crashed or running) server comes back from its durable state.
  func restart(_ server: Int) throws {
    simulation.crash(node(server))
    try simulation.restart(node(server))
  }

  /// The lab's `setunreliable`.
  func setUnreliable(_ unreliable: Bool) { simulation.network = unreliable ? .unreliable : .reliable }

  /// The lab's `setlongreordering`: it delays two replies in three by 200 ms plus a skewed
  /// random part of up to 2 s (700 ms on average). Our network does not tell replies from
  /// requests, so one message in three takes a detour of 200 ms to 1.2 s (as long on average).
  func setLongReordering() {
    simulation.network.longDelayProbability = 1.0 / 3.0
    simulation.network.longDelay = 200...1_200
  }

  // MARK: Checks

  @discardableResult
  func checkOneLeader() throws -> Int { server(try simulation.checkOneLeader()) }
  func checkNoLeader() throws { try simulation.checkNoLeader() }
  @discardableResult
  func checkTerms() throws -> Term { try simulation.checkTerms() }

  /// The lab's `one(cmd, expectedServers, retry)`: 10 s to find a leader and reach agreement,
  /// 2 s per attempt.
  @discardableResult
  func one(_ command: Int, _ expectedServers: Int, retry: Bool) throws -> LogIndex {
    try simulation.submit(
      bytes(command), expectedNodes: expectedServers, retry: retry, timeoutTicks: 1_000, agreementTimeoutTicks: 200)
  }

  /// Several clients calling `one` at once.
  func oneConcurrently(_ commands: [Int], _ expectedServers: Int) throws {
    try simulation.submitConcurrently(commands.map(bytes), expectedNodes: expectedServers)
  }

  /// The lab's `rf.Start(cmd)` on one server.
  func start(_ server: Int, _ command: Int) -> (index: LogIndex, term: Term, isLeader: Bool) {
    guard let proposal = try? simulation.propose(bytes(command), to: node(server)) else {
      return (.zero, simulation.isUp(node(server)) ? simulation.term(of: node(server)) : .zero, false)
    }
    return (proposal.index, proposal.term, true)
  }

  /// The lab's `nCommitted(index)`: how many servers applied a command there, and which.
  func nCommitted(_ index: LogIndex) throws -> (count: Int, command: Int?) {
    let (count, command) = try simulation.nCommitted(at: index)
    return (count, command.flatMap(integer))
  }

  /// The lab's `wait(index, n, startTerm)`: nil ("-1") if some server moved past `startTerm`.
  func wait(_ index: LogIndex, _ count: Int, startTerm: Term?) throws -> Int? {
    let command = try simulation.waitForCommit(at: index, onAtLeast: count, startTerm: startTerm, timeoutTicks: 1_000)
    return command.flatMap(integer)
  }

  /// The commands in `server`'s log, in order, without no-ops.
  func commandsInLog(of server: Int) -> [Int] {
    let log = simulation.engine(of: node(server)).log
    guard log.lastIndex >= log.firstIndex else { return [] }
    return log.entries(in: log.firstIndex...log.lastIndex).filter { $0.kind == .command }.compactMap {
      integer($0.payload)
    }
  }

  /// Whether any running server applied `command` anywhere.
  func anyoneApplied(_ command: Int) -> Bool {
    simulation.nodeIDs.contains { node in
      simulation.isUp(node) && simulation.appliedCommands(on: node).contains { $0.command == bytes(command) }
    }
  }

  /// Everything the servers sent, in bytes and in RPCs (requests).
  var bytesTotal: Int { simulation.traffic.bytes }
  var rpcTotal: Int { simulation.traffic.requests }
}

func bytes(_ command: Int) -> [UInt8] { Array(String(command).utf8) }
func integer(_ payload: [UInt8]) -> Int? { Int(String(decoding: payload, as: UTF8.self)) }
