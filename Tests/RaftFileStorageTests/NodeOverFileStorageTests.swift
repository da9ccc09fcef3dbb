import Raft
import RaftFileStorage
import RaftLibUV
import Synchronization
import Testing

/// FileStorage under the real node runtime: completions arrive from the fsync thread and go back
/// to the loop, and a restarted cluster recovers from its files.
@Suite("RaftNode over FileStorage")
struct NodeOverFileStorageTests {
  /// The commands the state machine holds, readable from the test.
  final class Applied: Sendable {
    private let commands = Mutex<[[UInt8]]>([])
    var all: [[UInt8]] { commands.withLock { $0 } }
    func record(_ command: [UInt8]) { commands.withLock { $0.append(command) } }
    func replace(with restored: [[UInt8]]) { commands.withLock { $0 = restored } }
  }

  /// Keeps every command; its snapshot is the list of them.
  struct Recording: StateMachine {
    let applied: Applied
    mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
      applied.record(command)
      return command
    }

    func writeSnapshot(to writer: inout some SnapshotWriter) throws {
      var encoder = SnapshotEncoder(writer: writer)
      let commands = applied.all
      try encoder.encode(UInt64(commands.count))
      for command in commands { try encoder.encode(bytes: command) }
      try encoder.finish()
      writer = encoder.writer
    }

    mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
      var decoder = SnapshotDecoder(reader: reader)
      let count = try decoder.decodeUInt64()
      applied.replace(with: try (0..<count).map { _ in try decoder.decodeBytes() })
    }
  }

  struct Node {
    let node: RaftNode
    let storage: FileStorage
    let applied: Applied
  }

  static let ids: [NodeID] = [1, 2, 3]

  static func start(in root: String, loop: EventLoop, snapshotThreshold: Int? = nil) async throws -> [Node] {
    let network = InMemoryNetwork()
    var nodes: [Node] = []
    for id in ids {
      let storage = try FileStorage(directory: root + "/node-\(id)")
      let applied = Applied()
      let node = try RaftNode(
        configuration: NodeConfiguration(
          id: id, members: ids, snapshotThreshold: snapshotThreshold, snapshotTrailingEntries: 2),
        storage: storage,
        transport: network.transport(for: id), stateMachine: Recording(applied: applied), eventLoop: loop,
        options: RaftNodeOptions(tickInterval: .milliseconds(5), seed: id.rawValue))
      nodes.append(Node(node: node, storage: storage, applied: applied))
    }
    for node in nodes { try await node.node.start() }
    return nodes
  }

  static func leader(of nodes: [Node]) async throws -> RaftNode {
    for _ in 0..<2000 {
      for node in nodes where try await node.node.status().role == .leader { return node.node }
      try await Task.sleep(for: .milliseconds(5))
    }
    throw WaitFailed(what: "a leader")
  }

  static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
    for _ in 0..<2000 {
      if condition() { return }
      try await Task.sleep(for: .milliseconds(5))
    }
    throw WaitFailed(what: what)
  }

  struct WaitFailed: Error { var what: String }

  @Test(
    "Commands committed before a full-cluster restart are recovered from the files, in order",
    arguments: [nil, 8] as [Int?])
  func restart(snapshotThreshold: Int?) async throws {
    let directory = TemporaryDirectory()
    let loop = try EventLoop(name: "file-storage-nodes")
    var nodes = try await Self.start(in: directory.path, loop: loop, snapshotThreshold: snapshotThreshold)
    var leader = try await Self.leader(of: nodes)
    let first = (0..<30).map { Array("cmd\($0)".utf8) }
    let proposer = leader
    try await withThrowingTaskGroup(of: Void.self) { group in
      for command in first { group.addTask { _ = try await proposer.propose(command) } }
      try await group.waitForAll()
    }
    try await Self.waitUntil("every node applied 30 commands") { nodes.allSatisfy { $0.applied.all.count == 30 } }
    let order = nodes[0].applied.all
    #expect(Set(order) == Set(first))
    for node in nodes {
      await node.node.stop()
      node.storage.close()
    }

    if snapshotThreshold != nil {
      try await Self.waitUntil("every node took a snapshot") { nodes.allSatisfy { $0.storage.snapshots.latest != nil } }
    }
    nodes = try await Self.start(in: directory.path, loop: loop, snapshotThreshold: snapshotThreshold)
    leader = try await Self.leader(of: nodes)
    _ = try await leader.propose(Array("after".utf8))
    try await Self.waitUntil("every node replayed and applied the new command") {
      nodes.allSatisfy { $0.applied.all.count == 31 }
    }
    for node in nodes { #expect(node.applied.all == order + [Array("after".utf8)]) }
    for node in nodes {
      await node.node.stop()
      node.storage.close()
    }
    await loop.shutdown()
  }
}
