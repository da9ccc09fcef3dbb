import Raft
import RaftLibUV
import Testing

/// A follower's forwarded proposals when the leader's own write is slow.
@Suite("Raft node runtime: forwarded proposals under delays")
struct RaftNodeForwardingTests {
  /// Two followers are a quorum: they commit an entry while the leader's own write of it is still
  /// not durable (a slow fsync), and the forwarding follower applies it. An answer the leader held
  /// back until its write was durable came after that, and the caller was told the proposal may
  /// have been lost, so a retry committed it twice.
  @Test(
    "A forwarded proposal is answered with its response when the followers commit it before the leader's write is durable",
    arguments: 1...3)
  func answerAndCommitTogether(round: Int) async throws {
    let loop = try EventLoop(name: "forward-batch")
    let network = InMemoryNetwork()
    let ids: [NodeID] = [1, 2, 3]
    let leaderStorage = GatedStorage()
    var nodes: [NodeID: RaftNode] = [:]
    var applied: [NodeID: AppliedLog] = [:]
    for id in ids {
      let log = AppliedLog()
      nodes[id] = try RaftNode(
        configuration: NodeConfiguration(id: id, members: ids, electionTimeoutTicks: 100),
        storage: id == 1 ? leaderStorage : MemoryStorage(), transport: network.transport(for: id),
        stateMachine: RecordingStateMachine(log: log), eventLoop: loop,
        options: RaftNodeOptions(tickInterval: .milliseconds(5), seed: id.rawValue))
      applied[id] = log
    }
    for node in nodes.values { try await node.start() }
    nodes[1]!.campaign()
    try await waitUntil("node 2 follows node 1") {
      let status = try await nodes[2]!.status()
      let leader = try await nodes[1]!.status()
      return status.leader == 1 && leader.role == .leader && leader.commitIndex == status.appliedIndex
        && leader.commitIndex > .zero
    }
    let before = try await nodes[1]!.status().lastIndex
    leaderStorage.close()
    let command = "forwarded-\(round)"
    let proposal = Task { try await nodes[2]!.propose(Array(command.utf8)) }
    try await waitUntil("the followers commit and node 2 applies \(command) while the leader's write waits") {
      let stored = try await [2, 3].asyncMap { try await nodes[$0]!.status().lastIndex }
      return stored.allSatisfy { $0 > before } && leaderStorage.waitingCount > 0
        && applied[2]!.payloads.contains(Array(command.utf8))
    }
    leaderStorage.open()
    switch await proposal.result {
    case .success(let response):
      #expect(String(decoding: response, as: UTF8.self).hasSuffix(":\(command)"))
    case .failure(let error):
      Issue.record("the caller was told \(error), but \(command) committed")
    }
    try await waitUntil("node 2 applies \(command)") { applied[2]!.payloads.contains(Array(command.utf8)) }
    #expect(applied[2]!.payloads.filter { $0 == Array(command.utf8) }.count == 1)
    for node in nodes.values { await node.stop() }
    await loop.shutdown()
  }
}
