import Raft

/// A deterministic simulation of a Raft cluster running your state machine.
///
/// Nodes `1...nodeCount` each run a ``Raft/RaftEngine``, a ``Raft/MemoryStorage`` whose writes
/// become durable only after a simulated fsync, and a `Machine` built by your factory (rebuilt
/// empty on restart; the engine replays the committed log into it). Virtual time advances only
/// as the simulation runs; the network delays, drops, duplicates and reorders messages as
/// ``network`` says, and you partition, crash, restart and pause nodes at will.
///
/// Every random choice comes from one generator seeded with ``seed``, and nothing depends on
/// hashing order or real time, so a seed and the same calls replay the same run event for event.
///
/// After every event a ``SafetyChecker`` checks the Raft safety properties (``Invariant``);
/// the first violation stops the simulation, and every later call that runs it throws the same
/// ``SimulationFailure``, which holds the seed and a readable trace of the last events.
///
/// ```swift
/// let simulation = try Simulation(options: SimulationOptions(nodeCount: 5), seed: 42) { Counter() }
/// let leader = try simulation.checkOneLeader()
/// simulation.disconnect(leader)
/// try simulation.submit(Array("x".utf8), expectedNodes: 4)
/// try simulation.healAndVerify()
/// ```
public final class Simulation<Machine: StateMachine> {
  /// The seed every random choice of this run derives from.
  public let seed: UInt64
  /// The options this simulation was built with.
  public let options: SimulationOptions
  /// The cluster's members, sorted.
  public let nodeIDs: [NodeID]
  /// The current virtual time.
  public internal(set) var now: VirtualTime = 0
  /// What the network does with messages sent from now on.
  public var network: NetworkConditions {
    didSet { trace(nil, .note("network now \(network)")) }
  }
  /// What the nodes sent so far, all together.
  public internal(set) var traffic = TrafficCounters()
  /// What each node sent so far, indexed by slot (node id - 1).
  var trafficByNode: [TrafficCounters]
  /// The checker of this run, with what it learned (for example the proposals reported committed).
  public internal(set) var checker = SafetyChecker()
  /// Snapshots taken and restored so far, over every node and lifetime.
  public internal(set) var snapshotActivity = SnapshotActivity()
  /// The failure that stopped this simulation, if one did.
  public internal(set) var failure: SimulationFailure?

  var random: SeededGenerator
  var queue = EventQueue()
  var nodes: [SimulatedNode<Machine>]
  var recorder: TraceRecorder
  let makeMachine: () -> Machine
  /// 6.824-style attachment of each node to the network.
  var connected: [Bool]
  /// `blocked[from][to]`: messages on that link are lost (partitions).
  var blocked: [[Bool]]
  var eventsSinceFullScan = 0
  /// Client reads, forwarded proposals, and the history the linearizability check runs on.
  var clientRequests = ClientRequests()
  /// What each pending client read runs against the state machine once it is safe.
  var readQueries: [ReadRequestID: (Machine) -> RegisterValue?] = [:]

  /// Builds a cluster of `options.nodeCount` nodes; no time has passed yet.
  /// - Parameter machine: makes a node's empty state machine, at start and at every restart.
  /// - Throws: ``Raft/ConfigurationError`` when the engine options are invalid.
  public init(options: SimulationOptions = SimulationOptions(), seed: UInt64, machine: @escaping () -> Machine)
    throws(ConfigurationError)
  {
    guard options.nodeCount > 0 else { throw .emptyCluster }
    self.seed = seed
    self.options = options
    self.network = options.network
    self.makeMachine = machine
    self.random = SeededGenerator(seed: seed)
    let ids = (1...options.nodeCount).map { NodeID(UInt64($0)) }
    self.nodeIDs = ids
    var nodes: [SimulatedNode<Machine>] = []
    for id in ids {
      let configuration = try options.engine.configuration(for: id, members: ids)
      nodes.append(SimulatedNode(configuration: configuration, seed: random.next(), machine: machine()))
    }
    self.nodes = nodes
    self.recorder = TraceRecorder(capacity: options.traceCapacity, recordsEverything: options.recordsFullTrace)
    self.trafficByNode = Array(repeating: TrafficCounters(), count: ids.count)
    self.connected = Array(repeating: true, count: ids.count)
    self.blocked = Array(repeating: Array(repeating: false, count: ids.count), count: ids.count)
    trace(nil, .note("simulation seed=\(seed) nodes=\(ids.count) \(options.engine.summary) network: \(network)"))
    for index in nodes.indices { scheduleFirstTick(of: index) }
  }

  // MARK: Running

  /// Runs for `ticks` tick intervals of virtual time.
  public func run(ticks: Int) throws(SimulationFailure) {
    try run(for: VirtualTime(max(ticks, 0)) * options.tickInterval)
  }

  /// Runs for `duration` virtual milliseconds.
  public func run(for duration: VirtualTime) throws(SimulationFailure) {
    try run(through: now + duration)
  }

  /// Runs one tick interval at a time until `condition` holds, for at most `timeoutTicks`.
  /// - Returns: whether `condition` held (it is checked before running, too).
  @discardableResult
  public func run(timeoutTicks: Int, until condition: (Simulation) throws(SimulationFailure) -> Bool)
    throws(SimulationFailure) -> Bool
  {
    try throwIfFailed()
    if try condition(self) { return true }
    for _ in 0..<max(timeoutTicks, 0) {
      try run(ticks: 1)
      if try condition(self) { return true }
    }
    return false
  }

  /// Handles every event up to `deadline`, then sets the clock to it.
  func run(through deadline: VirtualTime) throws(SimulationFailure) {
    try throwIfFailed()
    while let (time, event) = queue.popNext(notAfter: deadline) {
      now = time
      try handle(event)
      eventsSinceFullScan += 1
      if eventsSinceFullScan >= options.fullScanInterval { try verifySafety() }
    }
    now = max(now, deadline)
  }

  /// Runs the full pairwise log-matching scan over every running node now (it also runs every
  /// ``SimulationOptions/fullScanInterval`` events).
  public func verifySafety() throws(SimulationFailure) {
    eventsSinceFullScan = 0
    let logs = nodes.filter(\.isUp).map { (node: $0.id, entries: $0.engine.log.allEntries) }
    do throws(InvariantViolation) {
      try SafetyChecker.verifyLogMatching(logs)
    } catch {
      try fail(error)
    }
  }

  // MARK: Failures and trace

  /// Throws the failure that stopped this simulation, if any.
  public func throwIfFailed() throws(SimulationFailure) {
    if let failure { throw failure }
  }

  /// Stops the simulation with `violation`.
  func fail(_ violation: InvariantViolation) throws(SimulationFailure) -> Never {
    try fail(.violated(violation.invariant), violation.detail)
  }

  /// Stops the simulation with a failure of `reason`.
  func fail(_ reason: SimulationFailure.Reason, _ detail: String) throws(SimulationFailure) -> Never {
    if failure == nil {
      trace(nil, .note("FAILURE: \(reason): \(detail)"))
      failure = SimulationFailure(seed: seed, reason: reason, detail: detail, time: now, trace: recorder.recentLines)
    }
    throw failure!
  }

  /// Fails with ``SimulationFailure/Reason/expectationFailed`` and the trace: for test helpers
  /// built on the simulation. Unlike safety violations, it does not stop the simulation.
  public func expectationFailure(_ detail: String) -> SimulationFailure {
    trace(nil, .note("expectation failed: \(detail)"))
    return SimulationFailure(
      seed: seed, reason: .expectationFailed, detail: detail, time: now, trace: recorder.recentLines)
  }

  /// Adds a line to the trace, to mark the phases of a test.
  public func note(_ text: String) { trace(nil, .note(text)) }

  /// The last ``SimulationOptions/traceCapacity`` trace lines, oldest first.
  public var recentTrace: [String] { recorder.recentLines }

  /// Every trace line, if ``SimulationOptions/recordsFullTrace`` is on.
  public var fullTrace: [String]? { recorder.allLines }

  func trace(_ node: NodeID?, _ kind: TraceEvent.Kind) {
    recorder.record(TraceEvent(time: now, node: node, kind: kind))
  }

  // MARK: Helpers

  func slot(of node: NodeID) -> Int {
    let position = Int(node.rawValue) - 1
    precondition(nodes.indices.contains(position), "n\(node) is not a member of this simulation")
    return position
  }

  func randomDuration(in range: ClosedRange<VirtualTime>) -> VirtualTime {
    VirtualTime.random(in: range, using: &random)
  }

  func chance(_ probability: Double) -> Bool {
    Double.random(in: 0..<1, using: &random) < probability
  }

  func scheduleFirstTick(of position: Int) {
    let phase = randomDuration(in: 1...max(options.tickInterval, 1))
    queue.schedule(.tick(node: position, incarnation: nodes[position].incarnation), at: now + phase)
  }
}

extension RaftLog {
  /// Every entry the log holds.
  var allEntries: ArraySlice<LogEntry> { lastIndex < firstIndex ? [] : entries(in: firstIndex...lastIndex) }
}
