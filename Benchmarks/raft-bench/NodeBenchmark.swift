import ArgumentParser
import Glibc
import Raft
import RaftFileStorage
import RaftLibUV
import Synchronization

/// `raft-bench node`: a 3-node cluster of real RaftNodes over loopback TCP in one process.
struct NodeBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "node",
    abstract: "Committed proposals per second of a 3-node RaftNode cluster over loopback TCP, in one process.",
    discussion: """
      Method. Three RaftNodes, each on its own libuv event loop thread with a TCPTransport on \
      127.0.0.1 (ephemeral ports) and a storage, start and elect a leader (10 ms ticks, 1-2 s election timeout, so a loaded \
      machine does not move leadership mid-run; if it does anyway, the run stops with an \
      error). For each --concurrency value, that many tasks each propose --size-byte commands \
      to the leader in a loop, one at a time, for --warmup seconds and then for --duration \
      seconds measured. The same cluster serves every concurrency.

      ops/s: proposals whose response came back (committed by a quorum and applied on the \
      leader) during the measured time, divided by it.

      p50/p99 µs: per proposal, from the call to propose until its response.

      Storage. --storage memory (the default) completes every write at once and keeps \
      nothing (no fsync): the figures are the runtime's and the network's. --storage file gives \
      each node a FileStorage in its own subdirectory (node-1, node-2, node-3) of --data-dir \
      (a new temporary directory by default, removed afterwards), so every acknowledged \
      write was fdatasync'ed on a quorum first.

      --processes runs the three nodes as raft-testnode processes instead, driven through the \
      leader's stdin and stdout in its binary protocol (length-prefixed frames, pipelined; the \
      node proposes every frame of one read together and writes the responses of one loop turn \
      together): latencies include a pipe round trip to the leader process.

      entries/write: command entries per storage write on the leader during the measured time \
      (how well proposals batch; in-process memory storage only).
      """
  )

  @Option(
    name: .customLong("concurrency"),
    help: "Proposers in flight; repeat to measure several (default: 1, 16 and 256).")
  var concurrencies: [Int] = []

  @Option(help: "Command bytes.")
  var size = 128

  @Option(help: "Measured seconds per concurrency.")
  var duration = 3.0

  @Option(help: "Warm-up seconds per concurrency.")
  var warmup = 0.5

  @Flag(help: "Run the three nodes as separate raft-testnode processes (build that product too).")
  var processes = false

  @Option(help: "Storage of every node: memory (no fsync) or file (FileStorage, fdatasync).")
  var storage: StorageKind = .memory

  @Option(help: "Directory for --storage file (default: a new temporary directory, removed afterwards).")
  var dataDir: String?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard concurrencies.allSatisfy({ $0 > 0 }) else { throw ValidationError("--concurrency must be positive") }
    guard size >= 0 else { throw ValidationError("--size must not be negative") }
    guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive") }
    guard dataDir == nil || storage == .file else { throw ValidationError("--data-dir needs --storage file") }
  }

  func run() async throws {
    let directory = try storage == .file ? BenchDataDirectory(given: dataDir) : nil
    defer { directory?.removeIfTemporary() }
    if processes { return try runProcesses(dataDirectory: directory?.path) }
    // A one-second election timeout (etcd's default) keeps a loaded machine from moving
    // leadership in the middle of a measurement; failover is measured by `raft-bench failover`.
    let cluster: BenchCluster
    if let directory {
      var storages: [NodeID: FileStorage] = [:]
      for id: NodeID in [1, 2, 3] { storages[id] = try FileStorage(directory: directory.path + "/node-\(id)") }
      cluster = try await BenchCluster.start(electionTimeoutTicks: 100) { storages[$0]! }
    } else {
      cluster = try await BenchCluster.start(electionTimeoutTicks: 100)
    }
    var reporter = output.makeReporter()
    for concurrency in concurrencies.isEmpty ? [1, 16, 256] : concurrencies {
      let measurement = try await cluster.measure(
        concurrency: concurrency, size: size, warmup: .milliseconds(Int(warmup * 1000)),
        duration: .milliseconds(Int(duration * 1000)))
      reporter.report(
        BenchmarkResult(
          bench: "node",
          parameters: [
            ("concurrency", .integer(concurrency)), ("size", .integer(size)), ("transport", .text("tcp")),
            ("storage", .text(storage.rawValue)),
          ],
          operationsPerSecond: measurement.operationsPerSecond,
          p50Microseconds: measurement.p50Microseconds, p99Microseconds: measurement.p99Microseconds,
          metrics: [
            .init(key: "entries_per_write", label: "entries/write", value: measurement.entriesPerWrite, decimals: 1)
          ]
        ))
    }
    reporter.finish()
    await cluster.shutdown()
  }
}

extension NodeBenchmark {
  /// The same measurement with each node in its own process; the benchmark drives the leader
  /// through its stdin in binary frames with `--concurrency` proposals in flight, so latencies
  /// include a pipe round trip to the leader process.
  func runProcesses(dataDirectory: String?) throws {
    let cluster = try ProcessCluster(dataDirectory: dataDirectory)
    defer { cluster.shutdown() }
    var reporter = output.makeReporter()
    let command = [UInt8](repeating: UInt8(ascii: "a"), count: size)
    for concurrency in concurrencies.isEmpty ? [1, 16, 256] : concurrencies {
      let latencies = try cluster.measure(
        concurrency: concurrency, command: command, warmup: warmup, duration: duration
      ).sorted()
      func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let rank = Int((fraction * Double(latencies.count)).rounded(.up))
        return Double(latencies[min(max(rank, 1), latencies.count) - 1]) / 1_000
      }
      reporter.report(
        BenchmarkResult(
          bench: "node",
          parameters: [
            ("concurrency", .integer(concurrency)), ("size", .integer(size)), ("transport", .text("tcp")),
            ("storage", .text(storage.rawValue)), ("processes", .integer(3)),
          ],
          operationsPerSecond: Double(latencies.count) / duration, p50Microseconds: percentile(0.5),
          p99Microseconds: percentile(0.99)))
    }
    reporter.finish()
  }
}

/// Storage for the benchmark: counts what it is given and completes every write at once,
/// keeping nothing (the engine holds the log), so the figures are the runtime's and the
/// network's, not a storage's.
final class BenchStorage: Storage {
  private struct State {
    var writes = 0
    var entries = 0
  }
  private let state = Mutex(State())

  var counters: (writes: Int, entries: Int) { state.withLock { ($0.writes, $0.entries) } }

  func recover() throws -> PersistentState { PersistentState() }

  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
    let commands = request.entries.reduce(0) { $0 + ($1.kind == .command ? 1 : 0) }
    state.withLock {
      $0.writes += commands > 0 ? 1 : 0
      $0.entries += commands
    }
    completion(.success(()))
  }
}

/// Answers every command with an empty response.
struct DiscardingStateMachine: StateMachine {
  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] { [] }
}

/// The three nodes of the benchmark.
final class BenchCluster: Sendable {
  struct Measurement {
    var operationsPerSecond: Double
    var p50Microseconds: Double
    var p99Microseconds: Double
    var entriesPerWrite: Double
  }

  let nodes: Mutex<[NodeID: RaftNode]>
  let storages: [NodeID: any Storage]
  let transports: Mutex<[NodeID: TCPTransport]>
  let loops: [EventLoop]

  private init(
    nodes: [NodeID: RaftNode], storages: [NodeID: any Storage], transports: [NodeID: TCPTransport], loops: [EventLoop]
  ) {
    self.nodes = Mutex(nodes)
    self.storages = storages
    self.transports = Mutex(transports)
    self.loops = loops
  }

  /// Starts three nodes, each storing through `makeStorage` (BenchStorage by default), and
  /// asks node 1 to campaign.
  /// - Parameter electionTimeoutTicks: in 10 ms ticks.
  static func start(
    electionTimeoutTicks: Int = 10, makeStorage: (NodeID) -> any Storage = { _ in BenchStorage() }
  ) async throws -> BenchCluster {
    let ids: [NodeID] = [1, 2, 3]
    var transports: [NodeID: TCPTransport] = [:]
    var addresses: [NodeID: SocketAddress] = [:]
    var loops: [EventLoop] = []
    for id in ids {
      let loop = try EventLoop(name: "bench-node-\(id)")
      loops.append(loop)
      let transport = TCPTransport(
        configuration: TCPTransportConfiguration(
          clusterID: "bench", node: id, listenAddress: SocketAddress(host: "127.0.0.1", port: 0)),
        eventLoop: loop)
      addresses[id] = try transport.listen()
      transports[id] = transport
    }
    var nodes: [NodeID: RaftNode] = [:]
    var storages: [NodeID: any Storage] = [:]
    for (offset, id) in ids.enumerated() {
      for peer in ids where peer != id { try transports[id]!.setPeerAddress(addresses[peer]!, for: peer) }
      let storage = makeStorage(id)
      storages[id] = storage
      nodes[id] = try RaftNode(
        configuration: NodeConfiguration(id: id, members: ids, electionTimeoutTicks: electionTimeoutTicks),
        storage: storage, transport: transports[id]!,
        stateMachine: DiscardingStateMachine(), eventLoop: loops[offset])
    }
    for id in ids { try await nodes[id]!.start() }
    nodes[1]!.campaign()
    return BenchCluster(nodes: nodes, storages: storages, transports: transports, loops: loops)
  }

  func node(_ id: NodeID) -> RaftNode { nodes.withLock { $0[id]! } }
  var ids: [NodeID] { nodes.withLock { $0.keys.sorted() } }

  func leader() async throws -> NodeID {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      for id in ids where try await node(id).status().role == .leader { return id }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw ValidationError("no leader elected within 30 s")
  }

  func measure(concurrency: Int, size: Int, warmup: Duration, duration: Duration) async throws -> Measurement {
    let leaderID = try await leader()
    let leader = node(leaderID)
    // Only the counting storage reports entries per write; others leave it unknown.
    let storage = storages[leaderID] as? BenchStorage
    let command = [UInt8](repeating: 0x61, count: size)
    let start = ContinuousClock.now
    let measureFrom = start + warmup
    let end = measureFrom + duration
    let before = CounterSnapshot()
    let leaderChanged = StopSignal()
    let samples = try await withThrowingTaskGroup(of: [UInt64].self) { group in
      group.addTask {
        // Reads the storage counters as the measured window opens.
        try await Task.sleep(until: measureFrom)
        before.value.withLock { $0 = storage?.counters }
        return []
      }
      for _ in 0..<concurrency {
        group.addTask {
          var latencies: [UInt64] = []
          while ContinuousClock.now < end {
            let proposedAt = ContinuousClock.now
            let startNanos = MonotonicClock.nanoseconds()
            do {
              _ = try await leader.propose(command)
            } catch let error as RaftNodeError where error.isRetryable {
              // A leadership change on a loaded machine: the run fails below (the figures
              // would mix two leaders), but every proposer first stops cleanly.
              leaderChanged.value.withLock { $0 = true }
              break
            }
            if proposedAt >= measureFrom { latencies.append(MonotonicClock.nanoseconds() - startNanos) }
          }
          return latencies
        }
      }
      var all: [UInt64] = []
      for try await latencies in group { all += latencies }
      return all
    }
    if leaderChanged.value.withLock({ $0 }) {
      throw ValidationError(
        "leadership moved during the run (a loaded machine delays heartbeats past the election timeout); rerun")
    }
    let after = storage?.counters ?? (writes: 0, entries: 0)
    let first = before.value.withLock { $0 } ?? (writes: 0, entries: 0)
    let sorted = samples.sorted()
    func percentile(_ fraction: Double) -> Double {
      guard !sorted.isEmpty else { return .nan }
      let rank = Int((fraction * Double(sorted.count)).rounded(.up))
      return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1_000
    }
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    let writes = after.writes - first.writes
    return Measurement(
      operationsPerSecond: Double(samples.count) / seconds, p50Microseconds: percentile(0.5),
      p99Microseconds: percentile(0.99),
      entriesPerWrite: writes > 0 ? Double(after.entries - first.entries) / Double(writes) : .nan)
  }

  /// Replaces a stopped node by a new one on the same loop, port and storage, as a restarted
  /// process would be.
  func restart(_ id: NodeID) async throws {
    let old = transports.withLock { $0[id]! }
    var configuration = old.configuration
    configuration.listenAddress = try old.listen()
    let previous = node(id)
    let transport = TCPTransport(configuration: configuration, eventLoop: previous.eventLoop)
    let fresh = try RaftNode(
      configuration: previous.configuration, storage: storages[id]!, transport: transport,
      stateMachine: DiscardingStateMachine(), eventLoop: previous.eventLoop)
    nodes.withLock { $0[id] = fresh }
    transports.withLock { $0[id] = transport }
    try await fresh.start()
  }

  func shutdown() async {
    for id in ids { await node(id).stop() }
    for loop in loops { await loop.shutdown() }
  }
}

/// Set once by any proposer.
final class StopSignal: Sendable {
  let value = Mutex(false)
}

/// The leader's storage counters when the measured window opened.
final class CounterSnapshot: Sendable {
  let value = Mutex<(writes: Int, entries: Int)?>(nil)
}

/// Which storage every node of `raft-bench node` uses.
enum StorageKind: String, ExpressibleByArgument, CaseIterable {
  case memory
  case file
}

/// The directory the nodes' FileStorages live in: the one given, or a new temporary one that
/// is removed when the benchmark ends.
struct BenchDataDirectory {
  let path: String
  let isTemporary: Bool

  init(given: String?) throws {
    if let given {
      mkdir(given, 0o755)
      path = given
      isTemporary = false
      return
    }
    var template = Array("/tmp/raft-bench-node-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw ValidationError("cannot create a temporary directory")
    }
    path = String(cString: made)
    isTemporary = true
  }

  func removeIfTemporary() {
    if isTemporary { StorageRun.remove(path) }
  }
}
