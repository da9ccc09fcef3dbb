import Raft
import RaftLibUV
import Testing

@testable import RaftLibUV

@Suite("Raft node runtime")
struct RaftNodeTests {
  @Test("In memory on one loop: a leader is elected and concurrent proposals return their responses")
  func inMemoryCluster() async throws {
    let loop = try EventLoop(name: "cluster")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    let node = cluster.member(leader).node
    let responses = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
      for i in 0..<40 { group.addTask { (i, try await node.propose(Array("cmd\(i)".utf8))) } }
      var responses: [Int: [UInt8]] = [:]
      for try await (i, response) in group { responses[i] = response }
      return responses
    }
    for i in 0..<40 { #expect(String(decoding: responses[i]!, as: UTF8.self).hasSuffix(":cmd\(i)")) }
    // Every node applies the same commands in the same order.
    try await waitUntil("all nodes applied 40 commands") {
      cluster.ids.allSatisfy { cluster.member($0).applied.entries.count == 40 }
    }
    let reference = cluster.member(leader).applied.payloads
    for id in cluster.ids { #expect(cluster.member(id).applied.payloads == reference) }
    let status = try await node.status()
    #expect(status.role == .leader && status.commitIndex >= 41 && status.appliedIndex == status.commitIndex)
    #expect(status.peers.count == 2)
    await cluster.shutdown()
  }

  @Test("Proposals submitted together are appended and written together")
  func batching() async throws {
    let loop = try EventLoop(name: "batching")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    let node = cluster.member(leader).node
    // Hold the loop while 100 proposals queue up behind it.
    let gate = Semaphore()
    let holding = Locked(false)
    loop.execute {
      holding.withLock { $0 = true }
      gate.wait()
    }
    try await waitUntil("the loop to be held") { holding.value }
    let proposals = Task {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for i in 0..<100 { group.addTask { _ = try await node.propose(Array("b\(i)".utf8)) } }
        try await group.waitForAll()
      }
    }
    try await waitUntil("100 queued proposals") { loop.queuedJobCount >= 100 }
    gate.signal()
    try await proposals.value
    #expect(
      cluster.member(leader).storage.entriesPerWrite.contains(100), "\(cluster.member(leader).storage.entriesPerWrite)")
    await cluster.shutdown()
  }

  @Test("A follower refuses proposals naming the leader; a stopped node refuses with .stopping")
  func errors() async throws {
    let loop = try EventLoop(name: "errors")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    let first = cluster.member(1).node
    await #expect(throws: RaftNodeError.notStarted) { try await first.propose([1]) }
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    let follower = cluster.ids.first { $0 != leader }!
    await #expect(throws: RaftNodeError.notLeader(leaderHint: leader)) {
      try await cluster.member(follower).node.propose([1])
    }
    await cluster.stop(follower)
    await #expect(throws: RaftNodeError.stopping) { try await cluster.member(follower).node.propose([1]) }
    #expect(RaftNodeError.stopping.isRetryable && RaftNodeError.notLeader(leaderHint: nil).isRetryable)
    await cluster.shutdown()
  }

  @Test("Over TCP: elect, propose, stop the leader, a new leader serves proposals")
  func tcpFailover() async throws {
    let cluster = try TestCluster.tcp()
    try await cluster.startAll()
    let first = try await cluster.waitForLeader()
    for i in 0..<10 { _ = try await cluster.propose("before\(i)") }
    await cluster.stop(first)
    let second = try await cluster.waitForLeader()
    #expect(second != first)
    for i in 0..<10 { _ = try await cluster.propose("after\(i)") }
    let survivors = cluster.running
    try await waitUntil("survivors applied 20 commands") {
      survivors.allSatisfy { cluster.member($0).applied.entries.count >= 20 }
    }
    let expected = (0..<10).map { Array("before\($0)".utf8) } + (0..<10).map { Array("after\($0)".utf8) }
    for id in survivors { #expect(cluster.member(id).applied.payloads == expected) }
    await cluster.shutdown()
  }

  @Test("Over TCP: random bytes on every peer port do not stop the cluster serving")
  func tcpGarbage() async throws {
    let cluster = try TestCluster.tcp()
    try await cluster.startAll()
    _ = try await cluster.waitForLeader()
    var random = SeededGenerator(seed: 0xBAD)
    print("RaftNodeTests.tcpGarbage seed=0xBAD")
    for id in cluster.ids {
      let transport = cluster.member(id).transport as! TCPTransport
      let port = try transport.listen().port
      for _ in 0..<5 {
        let socket = try BlockingSocket(connectingTo: port)
        try? socket.write((0..<512).map { _ in UInt8.random(in: 0...255, using: &random) })
        socket.close()
      }
    }
    for i in 0..<10 { _ = try await cluster.propose("still\(i)") }
    try await waitUntil("every node applied 10 commands") {
      cluster.ids.allSatisfy { cluster.member($0).applied.entries.count >= 10 }
    }
    await cluster.shutdown()
  }
}

@Suite("Raft node runtime: leadership loss")
struct RaftNodeLeadershipTests {
  @Test("A proposal on a leader cut off from its quorum fails with leadershipLost once it steps down")
  func leadershipLost() async throws {
    let loop = try EventLoop(name: "partition")
    let network = InMemoryNetwork()
    var nodes: [NodeID: RaftNode] = [:]
    for id: NodeID in [1, 2, 3] {
      nodes[id] = try RaftNode(
        configuration: NodeConfiguration(id: id, members: [1, 2, 3]), storage: MemoryStorage(),
        transport: network.transport(for: id), stateMachine: RecordingStateMachine(log: AppliedLog()),
        eventLoop: loop, options: RaftNodeOptions(tickInterval: .milliseconds(5), seed: id.rawValue))
    }
    for node in nodes.values { try await node.start() }
    nodes[1]!.campaign()
    // Node 1 usually wins, but on a loaded machine another node's timer may fire first: cut off
    // whichever node leads.
    var leader: NodeID?
    try await waitUntil("a node leads") {
      for id: NodeID in [1, 2, 3] where try await nodes[id]!.status().role == .leader { leader = id }
      return leader != nil
    }
    let cutOff = leader!
    let term = try await nodes[cutOff]!.status().term
    for other: NodeID in [1, 2, 3] where other != cutOff { network.disconnect(cutOff, other) }
    await #expect(throws: RaftNodeError.leadershipLost(term: term)) {
      try await nodes[cutOff]!.propose(Array("lost".utf8))
    }
    for node in nodes.values { await node.stop() }
    await loop.shutdown()
  }
}
