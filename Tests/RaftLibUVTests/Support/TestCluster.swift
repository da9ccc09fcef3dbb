import Raft
import RaftLibUV
import Synchronization
import Testing

/// What one node's state machine applied, readable from the test.
final class AppliedLog: Sendable {
  private let commands = Mutex<[(LogIndex, [UInt8])]>([])
  var entries: [(LogIndex, [UInt8])] { commands.withLock { $0 } }
  var payloads: [[UInt8]] { entries.map(\.1) }
  func record(_ command: [UInt8], at index: LogIndex) { commands.withLock { $0.append((index, command)) } }
}

/// Records every command and answers with "index:command".
struct RecordingStateMachine: StateMachine {
  let log: AppliedLog
  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    log.record(command, at: index)
    return Array("\(index):".utf8) + command
  }
}

/// A Storage that counts what goes through it.
final class CountingStorage: Storage {
  let inner: MemoryStorage
  private let writes = Mutex<[Int]>([])
  init(_ inner: MemoryStorage = MemoryStorage()) { self.inner = inner }
  /// The number of command entries in each write, in order.
  var entriesPerWrite: [Int] { writes.withLock { $0 } }
  func recover() throws -> PersistentState { try inner.recover() }
  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
    writes.withLock { $0.append(request.entries.filter { $0.kind == .command }.count) }
    inner.persist(request, completion: completion)
  }
}

/// A cluster of RaftNodes in this process.
final class TestCluster: Sendable {
  struct Member: Sendable {
    let node: RaftNode
    let applied: AppliedLog
    let storage: CountingStorage
    let transport: any Transport
  }

  let members: Mutex<[NodeID: Member]>
  let stopped = Mutex<Set<NodeID>>([])
  let ids: [NodeID]

  init(members: [NodeID: Member]) {
    self.members = Mutex(members)
    self.ids = members.keys.sorted()
  }

  func member(_ id: NodeID) -> Member { members.withLock { $0[id]! } }
  var running: [NodeID] { ids.filter { id in !stopped.withLock { $0.contains(id) } } }

  /// Three nodes on one loop, over the in-memory transport of `network` (pass one in to cut
  /// links during the test).
  static func inMemory(
    eventLoop: EventLoop, network: InMemoryNetwork = InMemoryNetwork(), ids: [NodeID] = [1, 2, 3]
  ) throws -> TestCluster {
    var members: [NodeID: Member] = [:]
    for id in ids {
      let applied = AppliedLog()
      let storage = CountingStorage()
      let transport = network.transport(for: id)
      let node = try RaftNode(
        configuration: NodeConfiguration(id: id, members: ids), storage: storage, transport: transport,
        stateMachine: RecordingStateMachine(log: applied), eventLoop: eventLoop,
        options: RaftNodeOptions(tickInterval: .milliseconds(5), seed: id.rawValue))
      members[id] = Member(node: node, applied: applied, storage: storage, transport: transport)
    }
    return TestCluster(members: members)
  }

  /// Nodes on their own loops, over TCP on loopback with ephemeral ports.
  static func tcp(ids: [NodeID] = [1, 2, 3], clusterID: String = "test") throws -> TestCluster {
    var transports: [NodeID: TCPTransport] = [:]
    var addresses: [NodeID: SocketAddress] = [:]
    var loops: [NodeID: EventLoop] = [:]
    for id in ids {
      let loop = try EventLoop(name: "node-\(id)")
      let transport = TCPTransport(
        configuration: TCPTransportConfiguration(
          clusterID: clusterID, node: id, listenAddress: SocketAddress(host: "127.0.0.1", port: 0),
          sourceAddress: "127.0.0.1", reconnectMaximumDelay: .milliseconds(200)),
        eventLoop: loop)
      addresses[id] = try transport.listen()
      transports[id] = transport
      loops[id] = loop
    }
    var members: [NodeID: Member] = [:]
    for id in ids {
      for peer in ids where peer != id { try transports[id]!.setPeerAddress(addresses[peer]!, for: peer) }
      let applied = AppliedLog()
      let storage = CountingStorage()
      let node = try RaftNode(
        configuration: NodeConfiguration(id: id, members: ids), storage: storage, transport: transports[id]!,
        stateMachine: RecordingStateMachine(log: applied), eventLoop: loops[id]!,
        options: RaftNodeOptions(tickInterval: .milliseconds(10)))
      members[id] = Member(node: node, applied: applied, storage: storage, transport: transports[id]!)
    }
    return TestCluster(members: members)
  }

  /// Replaces a stopped TCP node with a new one on the same loop, port and storage, as a
  /// restarted process would be, with a fresh state machine; returns its applied log.
  func restartTCP(_ id: NodeID) async throws -> AppliedLog {
    let old = member(id)
    let oldTransport = old.transport as! TCPTransport
    var configuration = oldTransport.configuration
    configuration.listenAddress = try oldTransport.listen()  // the port it had, not port 0
    let transport = TCPTransport(configuration: configuration, eventLoop: old.node.eventLoop)
    try transport.listen()
    let applied = AppliedLog()
    let node = try RaftNode(
      configuration: old.node.configuration, storage: old.storage, transport: transport,
      stateMachine: RecordingStateMachine(log: applied), eventLoop: old.node.eventLoop,
      options: RaftNodeOptions(tickInterval: .milliseconds(10)))
    members.withLock { $0[id] = Member(node: node, applied: applied, storage: old.storage, transport: transport) }
    try await node.start()
    stopped.withLock { _ = $0.remove(id) }
    return applied
  }

  func startAll() async throws {
    for id in ids { try await member(id).node.start() }
  }

  func stop(_ id: NodeID) async {
    stopped.withLock { _ = $0.insert(id) }
    await member(id).node.stop()
  }

  /// Stops every node and shuts down the loops (each once).
  func shutdown() async {
    for id in ids { await member(id).node.stop() }
    var seen: [ObjectIdentifier] = []
    for id in ids {
      let loop = member(id).node.eventLoop
      if !seen.contains(ObjectIdentifier(loop)) {
        seen.append(ObjectIdentifier(loop))
        await loop.shutdown()
      }
    }
  }

  /// Waits until the running nodes agree on one leader among them, and returns it.
  func waitForLeader(timeout: Duration = .seconds(30)) async throws -> NodeID {
    var leader: NodeID?
    try await waitUntil(timeout: timeout, "a leader") {
      let statuses = try await running.asyncMap { try await member($0).node.status() }
      let leaders = statuses.filter { $0.role == .leader }
      guard leaders.count == 1, let candidate = leaders.first else { return false }
      // A majority of the whole cluster follows it in its term.
      let followers = statuses.filter { $0.leader == candidate.id && $0.term == candidate.term }.count
      guard followers >= ids.count / 2 + 1 else { return false }
      leader = candidate.id
      return true
    }
    return leader!
  }

  /// Proposes on whichever node leads, retrying retryable errors, until applied.
  func propose(_ command: String, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
    let deadline = ContinuousClock.now + timeout
    var lastError: RaftNodeError?
    var rounds = 0
    // Gives up only after the deadline and a minimum of rounds: a starved task still tries.
    while ContinuousClock.now < deadline || rounds < 100 {
      rounds += 1
      for id in running {
        do {
          return try await member(id).node.propose(Array(command.utf8))
        } catch {
          lastError = error
          guard error.isRetryable else { throw error }
        }
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw lastError ?? .stopping
  }
}

extension Array {
  func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
    var result: [T] = []
    for element in self { result.append(try await transform(element)) }
    return result
  }
}
