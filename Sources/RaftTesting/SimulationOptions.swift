import Raft

/// Virtual time in the simulator, in milliseconds. Nothing in a simulation reads a real clock.
public typealias VirtualTime = UInt64

/// The engine options every simulated node runs with: the ``Raft/NodeConfiguration`` options
/// other than the node's identity and membership, with the same defaults.
public struct EngineOptions: Sendable {
  private static let defaults = try! NodeConfiguration(id: 1, members: [1])

  /// See ``Raft/NodeConfiguration/electionTimeoutTicks``.
  public var electionTimeoutTicks = defaults.electionTimeoutTicks
  /// See ``Raft/NodeConfiguration/heartbeatIntervalTicks``.
  public var heartbeatIntervalTicks = defaults.heartbeatIntervalTicks
  /// See ``Raft/NodeConfiguration/preVote``.
  public var preVote = defaults.preVote
  /// See ``Raft/NodeConfiguration/checkQuorum``.
  public var checkQuorum = defaults.checkQuorum
  /// See ``Raft/NodeConfiguration/maxEntriesPerAppend``.
  public var maxEntriesPerAppend = defaults.maxEntriesPerAppend
  /// See ``Raft/NodeConfiguration/maxBytesPerAppend``.
  public var maxBytesPerAppend = defaults.maxBytesPerAppend
  /// See ``Raft/NodeConfiguration/maxInflightAppends``.
  public var maxInflightAppends = defaults.maxInflightAppends
  /// See ``Raft/NodeConfiguration/maxInflightBytes``.
  public var maxInflightBytes = defaults.maxInflightBytes
  /// See ``Raft/NodeConfiguration/maxUncommittedBytes``.
  public var maxUncommittedBytes = defaults.maxUncommittedBytes
  /// See ``Raft/NodeConfiguration/backtracking``.
  public var backtracking: any LogBacktracking = defaults.backtracking
  /// See ``Raft/NodeConfiguration/snapshotThreshold``. The state machine must implement
  /// snapshots when set (``CommandLog`` does).
  public var snapshotThreshold: Int? = defaults.snapshotThreshold
  /// See ``Raft/NodeConfiguration/snapshotTrailingEntries``.
  public var snapshotTrailingEntries = defaults.snapshotTrailingEntries
  /// See ``Raft/NodeConfiguration/maxSnapshotChunkBytes``.
  public var maxSnapshotChunkBytes = defaults.maxSnapshotChunkBytes

  /// The engine's defaults.
  public init() {}

  /// The configuration of node `id` in a cluster of `members`.
  /// - Throws: ``Raft/ConfigurationError`` when an option is invalid.
  public func configuration(for id: NodeID, members: [NodeID]) throws(ConfigurationError) -> NodeConfiguration {
    try NodeConfiguration(
      id: id, members: members, electionTimeoutTicks: electionTimeoutTicks,
      heartbeatIntervalTicks: heartbeatIntervalTicks, preVote: preVote, checkQuorum: checkQuorum,
      maxEntriesPerAppend: maxEntriesPerAppend, maxBytesPerAppend: maxBytesPerAppend,
      maxInflightAppends: maxInflightAppends, maxInflightBytes: maxInflightBytes,
      maxUncommittedBytes: maxUncommittedBytes, backtracking: backtracking, snapshotThreshold: snapshotThreshold,
      snapshotTrailingEntries: snapshotTrailingEntries, maxSnapshotChunkBytes: maxSnapshotChunkBytes)
  }

  /// A one-line summary for traces and reports.
  public var summary: String {
    "backtracking=\(backtracking.name) preVote=\(preVote) checkQuorum=\(checkQuorum)"
      + " electionTimeout=\(electionTimeoutTicks) heartbeat=\(heartbeatIntervalTicks)"
      + " maxEntriesPerAppend=\(maxEntriesPerAppend) maxInflightAppends=\(maxInflightAppends)"
      + " maxUncommittedBytes=\(maxUncommittedBytes)"
      + (snapshotThreshold.map {
        " snapshotThreshold=\($0) trailing=\(snapshotTrailingEntries) chunk=\(maxSnapshotChunkBytes)"
      } ?? "")
  }
}

/// How the simulated network treats each message. Change it at any time with
/// ``Simulation/network``; it applies to messages sent from then on.
public struct NetworkConditions: Hashable, Sendable, CustomStringConvertible {
  /// The range a message's delay is drawn from, uniformly. Random delays reorder messages.
  public var delay: ClosedRange<VirtualTime>
  /// The chance that a message is lost.
  public var dropProbability: Double
  /// The chance that a message arrives twice (the copy with its own delay).
  public var duplicateProbability: Double
  /// The chance that a message takes a long detour instead, arriving far out of order.
  public var longDelayProbability: Double
  /// The range a long detour's delay is drawn from.
  public var longDelay: ClosedRange<VirtualTime>

  /// Network conditions; the defaults are those of ``reliable``.
  public init(
    delay: ClosedRange<VirtualTime> = 1...5,
    dropProbability: Double = 0,
    duplicateProbability: Double = 0,
    longDelayProbability: Double = 0,
    longDelay: ClosedRange<VirtualTime> = 100...1_000
  ) {
    self.delay = delay
    self.dropProbability = dropProbability
    self.duplicateProbability = duplicateProbability
    self.longDelayProbability = longDelayProbability
    self.longDelay = longDelay
  }

  /// Every message arrives once, after a short random delay.
  public static let reliable = NetworkConditions()

  /// Like MIT 6.824's unreliable network: 10% loss, some duplicates, long delays reordering.
  public static let unreliable = NetworkConditions(
    delay: 1...27, dropProbability: 0.1, duplicateProbability: 0.05, longDelayProbability: 0.05,
    longDelay: 100...1_000)

  public var description: String {
    "delay=\(delay.lowerBound)...\(delay.upperBound)ms drop=\(percent(dropProbability))"
      + " duplicate=\(percent(duplicateProbability)) longDelay=\(percent(longDelayProbability))"
      + "@\(longDelay.lowerBound)...\(longDelay.upperBound)ms"
  }

  private func percent(_ probability: Double) -> String { "\(Int((probability * 100).rounded()))%" }
}

/// Everything that shapes a simulation except its seed and its state machine.
public struct SimulationOptions: Sendable {
  /// Nodes 1 through `nodeCount` form the cluster.
  public var nodeCount: Int
  /// The options of every node's engine.
  public var engine: EngineOptions
  /// The network at the start; change it later with ``Simulation/network``.
  public var network: NetworkConditions
  /// Virtual milliseconds between two ticks of a node's engine. Each node ticks at its own phase.
  public var tickInterval: VirtualTime
  /// How long a write takes to become durable (an fsync). Writes issued while one is pending
  /// become durable with it (group commit); a crash before then loses them.
  public var fsyncLatency: ClosedRange<VirtualTime>
  /// How many recent trace events a failure reports.
  public var traceCapacity: Int
  /// Keep every trace event (for ``Simulation/fullTrace``), not only the recent ones.
  public var recordsFullTrace: Bool
  /// Events between two full pairwise log-matching scans (the cheap checks run after every event).
  public var fullScanInterval: Int

  /// Options; the defaults give a reliable network, 10 ms ticks and fsyncs of 1 to 3 ms.
  public init(
    nodeCount: Int = 3,
    engine: EngineOptions = EngineOptions(),
    network: NetworkConditions = .reliable,
    tickInterval: VirtualTime = 10,
    fsyncLatency: ClosedRange<VirtualTime> = 1...3,
    traceCapacity: Int = 200,
    recordsFullTrace: Bool = false,
    fullScanInterval: Int = 1_000
  ) {
    self.nodeCount = nodeCount
    self.engine = engine
    self.network = network
    self.tickInterval = tickInterval
    self.fsyncLatency = fsyncLatency
    self.traceCapacity = traceCapacity
    self.recordsFullTrace = recordsFullTrace
    self.fullScanInterval = fullScanInterval
  }
}
