@testable import Raft

/// A few engines wired together by hand for multi-node rule tests: every node persists at once,
/// messages travel in rounds, and a test may isolate nodes or drop messages with a seeded
/// generator. Kept deliberately small; the full simulator lives in RaftTesting.
struct LockstepCluster {
  /// nodes[i] is node i + 1.
  private(set) var nodes: [RaftEngine]
  /// Messages sent and not yet delivered.
  private(set) var inFlight: [Message] = []
  /// What each node handed out to apply, in order.
  private(set) var applied: [[LogEntry]]
  /// What each node handed out as linearizable reads, failed reads and forwarded outcomes.
  private(set) var readsReady: [[ReadyRead]]
  private(set) var failedReads: [[FailedRead]]
  private(set) var proposalOutcomes: [[ProposalOutcome]]
  /// Every message sent and every tick, in order, for comparing runs.
  private(set) var trace: [String] = []
  /// Nodes whose messages in both directions are lost.
  private var isolated: [NodeID] = []
  /// The chance that any one message is lost.
  var dropRate = 0.0
  private var random: SeededGenerator

  init(size: Int, seed: UInt64 = 1, configure: (inout EngineSetup) -> Void = { _ in }) throws {
    let members = (1...UInt64(size)).map { NodeID($0) }
    nodes = try members.map { id in
      var setup = EngineSetup(id: id, members: members, seed: seed &+ id.rawValue)
      configure(&setup)
      return try setup.engine()
    }
    applied = Array(repeating: [], count: size)
    readsReady = Array(repeating: [], count: size)
    failedReads = Array(repeating: [], count: size)
    proposalOutcomes = Array(repeating: [], count: size)
    random = SeededGenerator(seed: seed)
  }

  subscript(id: NodeID) -> RaftEngine {
    get { nodes[Int(id.rawValue) - 1] }
    set { nodes[Int(id.rawValue) - 1] = newValue }
  }

  var ids: [NodeID] { (1...UInt64(nodes.count)).map { NodeID($0) } }
  var leaders: [NodeID] { ids.filter { self[$0].role == .leader } }

  mutating func isolate(_ id: NodeID) { isolated.append(id) }
  /// Drops every message in flight (as a partition that cuts them off would).
  mutating func dropInFlight() { inFlight.removeAll() }
  mutating func heal() { isolated.removeAll() }

  /// Collects every node's output into the network.
  mutating func flush() {
    for id in ids {
      let output = self[id].flush()
      applied[Int(id.rawValue) - 1] += output.committed
      readsReady[Int(id.rawValue) - 1] += output.readsReady
      failedReads[Int(id.rawValue) - 1] += output.failedReads
      proposalOutcomes[Int(id.rawValue) - 1] += output.proposalOutcomes
      for message in output.messages {
        trace.append(message.description)
        if isolated.contains(message.from) || isolated.contains(message.to) { continue }
        if dropRate > 0, Double.random(in: 0..<1, using: &random) < dropRate { continue }
        inFlight.append(message)
      }
    }
  }

  /// Delivers what is in flight until nothing is (or `maxRounds` pass).
  mutating func settle(maxRounds: Int = 200) {
    flush()
    for _ in 0..<maxRounds where !inFlight.isEmpty {
      let batch = inFlight
      inFlight.removeAll()
      for message in batch { self[message.to].step(message) }
      flush()
    }
  }

  /// Ticks every node `count` times, settling the network after each tick.
  mutating func tick(_ count: Int = 1) {
    for _ in 0..<count {
      trace.append("tick")
      for id in ids { self[id].tick() }
      settle()
    }
  }

  /// Elects `id` by making it campaign at once.
  mutating func elect(_ id: NodeID) {
    self[id].campaign()
    settle()
  }

  /// Proposes `command` at `id`, which must lead, and settles.
  @discardableResult
  mutating func propose(_ command: String, at id: NodeID) throws -> LogIndex {
    let index = try self[id].propose(Array(command.utf8))
    settle()
    return index
  }
}
