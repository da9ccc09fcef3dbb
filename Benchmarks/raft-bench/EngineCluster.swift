import Raft

/// Three engines in one process with nothing between them: messages go straight into the
/// receiver's inbox, and every persistence request is acknowledged as soon as it is issued
/// (the engine keeps its log in memory, so nothing is lost by not writing it).
///
/// What it measures is the engine's own CPU cost, for all three nodes together on one thread.
struct EngineCluster {
  /// What one node has applied: the command entries, in order, each exactly once.
  struct AppliedLog {
    var lastIndex: LogIndex = .zero
    var commands = 0
  }

  enum Failure: Error, CustomStringConvertible {
    case noLeader(afterCycles: Int)
    case outOfOrder(node: NodeID, expected: LogIndex, got: LogIndex)
    case wrongPayload(node: NodeID, index: LogIndex, bytes: Int, expected: Int)
    case notConverged(afterCycles: Int, applied: [LogIndex], lastIndex: LogIndex)
    case readFailed(FailedRead)

    var description: String {
      switch self {
      case .noLeader(let cycles): "node 1 did not become leader in \(cycles) cycles"
      case .outOfOrder(let node, let expected, let got): "node \(node) applied \(got), expected \(expected)"
      case .wrongPayload(let node, let index, let bytes, let expected):
        "node \(node) applied \(bytes) bytes at \(index), expected \(expected)"
      case .notConverged(let cycles, let applied, let lastIndex):
        "nodes applied \(applied) after \(cycles) cycles; the leader's log ends at \(lastIndex)"
      case .readFailed(let read): "read \(read.id) failed: \(read.error)"
      }
    }
  }

  private(set) var engines: [RaftEngine]
  private(set) var applied: [AppliedLog]
  private var inboxes: [[Message]]
  private var delivering: [Message] = []
  /// Reads the nodes handed out as safe since the caller last emptied it (the read benchmark).
  var readsServed: [ReadyRead] = []
  let payloadSize: Int
  static let leaderID: NodeID = 1

  init(backtracking: any LogBacktracking, payloadSize: Int) throws {
    let members: [NodeID] = [1, 2, 3]
    engines = try members.map { id in
      let configuration = try NodeConfiguration(id: id, members: members, backtracking: backtracking)
      return RaftEngine(configuration: configuration, seed: id.rawValue)
    }
    applied = Array(repeating: AppliedLog(), count: members.count)
    inboxes = Array(repeating: [], count: members.count)
    self.payloadSize = payloadSize
  }

  var leader: RaftEngine { engines[0] }

  /// Makes node 1 the leader and lets every node apply its no-op.
  mutating func electLeader() throws {
    engines[0].campaign()
    let limit = 100
    for _ in 0..<limit {
      try runCycle { _ in }
      if leader.role == .leader && applied.allSatisfy({ $0.lastIndex == leader.log.lastIndex }) { return }
    }
    throw Failure.noLeader(afterCycles: limit)
  }

  @inline(__always)
  mutating func propose(_ payload: [UInt8]) throws(ProposalError) -> LogIndex {
    try engines[0].propose(payload)
  }

  /// Starts a linearizable read on node `node` (0 is the leader).
  @inline(__always)
  mutating func requestRead(_ id: ReadRequestID, on node: Int) throws(ReadError) {
    try engines[node].requestRead(id)
  }

  /// One pass over the nodes, leader first: each steps the messages waiting for it, then hands
  /// out work until it has none left, acknowledging every write at once.
  /// `leaderCommitted` sees each batch of entries the leader applies.
  mutating func runCycle(leaderCommitted: (_ entries: [LogEntry]) -> Void) throws {
    for node in engines.indices {
      swap(&delivering, &inboxes[node])
      for message in delivering { engines[node].step(message) }
      delivering.removeAll(keepingCapacity: true)
      while true {
        let ready = engines[node].ready()
        if ready.isEmpty { break }
        for message in ready.messages { inboxes[Int(message.to.rawValue) - 1].append(message) }
        if !ready.committedEntries.isEmpty {
          try apply(ready.committedEntries, on: node)
          if node == 0 { leaderCommitted(ready.committedEntries) }
        }
        if !ready.readsReady.isEmpty { readsServed.append(contentsOf: ready.readsReady) }
        if let failed = ready.failedReads.first { throw Failure.readFailed(failed) }
        if let request = ready.persistence { engines[node].acknowledgePersisted(through: request.id) }
      }
    }
  }

  /// Runs cycles until every node applied the leader's whole log.
  mutating func converge() throws {
    let limit = 10_000
    for _ in 0..<limit {
      if applied.allSatisfy({ $0.lastIndex == leader.log.lastIndex }) { return }
      try runCycle { _ in }
    }
    throw Failure.notConverged(afterCycles: limit, applied: applied.map(\.lastIndex), lastIndex: leader.log.lastIndex)
  }

  /// The state machine: checks order and payload and counts commands.
  private mutating func apply(_ entries: [LogEntry], on node: Int) throws {
    let id = engines[node].id
    for entry in entries {
      guard entry.index == applied[node].lastIndex + 1 else {
        throw Failure.outOfOrder(node: id, expected: applied[node].lastIndex + 1, got: entry.index)
      }
      applied[node].lastIndex = entry.index
      guard entry.kind == .command else { continue }
      guard entry.payload.count == payloadSize else {
        throw Failure.wrongPayload(node: id, index: entry.index, bytes: entry.payload.count, expected: payloadSize)
      }
      applied[node].commands += 1
    }
  }
}
