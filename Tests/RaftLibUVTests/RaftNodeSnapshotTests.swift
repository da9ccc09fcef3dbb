import Raft
import RaftLibUV
import RaftTesting
import Synchronization
import Testing

/// A CommandLog whose commands the test can read, through snapshots and restores.
struct ObservedCommandLog: StateMachine {
  var inner = CommandLog()
  let seen: Locked<[[UInt8]]>
  let restores: Locked<Int>

  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    let response = inner.apply(command, at: index)
    seen.withLock { $0 = inner.commands }
    return response
  }

  func writeSnapshot(to writer: inout some SnapshotWriter) throws { try inner.writeSnapshot(to: &writer) }

  mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    try inner.restoreSnapshot(from: &reader)
    seen.withLock { $0 = inner.commands }
    restores.withLock { $0 += 1 }
  }
}

@Suite("Raft node runtime: snapshots")
struct RaftNodeSnapshotTests {
  @Test("A follower cut off while the leader compacts catches up through InstallSnapshot chunks")
  func installSnapshot() async throws {
    let loop = try EventLoop(name: "snapshots")
    let network = InMemoryNetwork()
    let ids: [NodeID] = [1, 2, 3]
    var nodes: [NodeID: RaftNode] = [:]
    var seen: [NodeID: Locked<[[UInt8]]>] = [:]
    let restores = Locked(0)
    for id in ids {
      seen[id] = Locked([])
      nodes[id] = try RaftNode(
        configuration: NodeConfiguration(
          id: id, members: ids, snapshotThreshold: 5, snapshotTrailingEntries: 0, maxSnapshotChunkBytes: 64),
        storage: MemoryStorage(), transport: network.transport(for: id),
        stateMachine: ObservedCommandLog(seen: seen[id]!, restores: restores), eventLoop: loop,
        options: RaftNodeOptions(tickInterval: .milliseconds(2), seed: id.rawValue))
    }
    for id in ids { try await nodes[id]!.start() }
    var leader: NodeID = 1
    try await waitUntil("a leader") {
      for id in ids where try await nodes[id]!.status().role == .leader {
        leader = id
        return true
      }
      return false
    }
    let follower = ids.first { $0 != leader }!
    for other in ids where other != follower { network.disconnect(follower, other) }
    for i in 0..<30 { _ = try await nodes[leader]!.propose(Array("s\(i)".utf8)) }
    network.heal()
    let expected = (0..<30).map { Array("s\($0)".utf8) }
    try await waitUntil("the follower caught up") { seen[follower]!.value == expected }
    #expect(seen[leader]!.value == expected)
    #expect(restores.value >= 1, "the follower caught up without a snapshot")
    for node in nodes.values { await node.stop() }
    await loop.shutdown()
  }
}
