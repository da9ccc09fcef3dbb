import Raft
import RaftLibUV
import Testing

/// Linearizable reads, proposals forwarded by followers and leadership transfer on RaftNode.
@Suite("Raft node runtime: reads, forwarding, transfer")
struct RaftNodeClientTests {
  /// The commands a node's state machine holds, read through `read`, retrying retryable errors.
  private func readCommands(_ node: RaftNode) async throws -> [String] {
    var answer: [String]?
    try await waitUntil("a read on node \(node.id)") {
      do {
        answer = try await node.read { stateMachine in
          (stateMachine as? RecordingStateMachine)?.log.payloads.map { String(decoding: $0, as: UTF8.self) } ?? []
        }
        return true
      } catch let error as RaftNodeError where error.isRetryable {
        return false
      }
    }
    return answer!
  }

  @Test("Over TCP: every node, followers included, reads every write acknowledged before the read")
  func readAfterWriteEverywhere() async throws {
    let cluster = try TestCluster.tcp(clusterID: "reads")
    try await cluster.startAll()
    _ = try await cluster.waitForLeader()
    var written: [String] = []
    for round in 1...3 {
      let command = "write-\(round)"
      let response = String(decoding: try await cluster.propose(command), as: UTF8.self)
      #expect(response.hasSuffix(":\(command)"))
      written.append(command)
      for id in cluster.ids {
        let commands = try await readCommands(cluster.member(id).node)
        // A proposal whose outcome is unknown (leadership changed under a loaded machine) is
        // retried and may commit twice, so the check is the read-after-write property itself:
        // every acknowledged write is visible, in order, and nothing else was applied.
        #expect(commands.isSubsequence(containing: written), "node \(id) after \(command): \(commands)")
        #expect(Set(commands).isSubset(of: written), "node \(id) after \(command): \(commands)")
      }
    }
    await cluster.shutdown()
  }

  @Test("A leader cut off from its quorum never answers a read; the majority side does")
  func staleLeaderNeverReads() async throws {
    let loop = try EventLoop(name: "stale-read")
    let network = InMemoryNetwork()
    let cluster = try TestCluster.inMemory(eventLoop: loop, network: network)
    try await cluster.startAll()
    cluster.member(1).node.campaign()
    let leader = try await cluster.waitForLeader()
    let nodes = Dictionary(uniqueKeysWithValues: cluster.ids.map { ($0, cluster.member($0).node) })
    for peer: NodeID in [1, 2, 3] where peer != leader { network.disconnect(leader, peer) }
    do {
      let served = try await nodes[leader]!.read { _ in true }
      Issue.record("the cut-off leader served a read: \(served)")
    } catch let error as RaftNodeError {
      #expect(error.isRetryable, "\(error)")
    }
    let others = [NodeID(1), 2, 3].filter { $0 != leader }
    _ = try await readCommands(nodes[others[0]]!)
    await cluster.shutdown()
  }

  @Test("Over TCP: proposals on followers are forwarded to the leader and answered once applied, then read everywhere")
  func proposeViaFollowers() async throws {
    let cluster = try TestCluster.tcp(clusterID: "forwarding")
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    var written: [String] = []
    for follower in cluster.ids where follower != leader {
      let command = "from-\(follower)"
      var response: [UInt8] = []
      try await waitUntil("\(command) answered") {
        do {
          response = try await cluster.member(follower).node.propose(Array(command.utf8))
          return true
        } catch let error as RaftNodeError where error.isRetryable {
          return false
        }
      }
      #expect(String(decoding: response, as: UTF8.self).hasSuffix(":\(command)"))
      written.append(command)
    }
    for id in cluster.ids {
      let commands = try await readCommands(cluster.member(id).node)
      #expect(written.allSatisfy { commands.contains($0) }, "node \(id): \(commands)")
    }
    await cluster.shutdown()
  }

  @Test("Over TCP: the leader hands leadership to a follower, which then serves proposals; a follower cannot transfer")
  func transferLeadership() async throws {
    let cluster = try TestCluster.tcp(clusterID: "transfer")
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    let target = cluster.ids.first { $0 != leader }!
    await #expect(throws: LeadershipTransferError.notLeader(leaderHint: leader)) {
      try await cluster.member(target).node.transferLeadership(to: leader)
    }
    try await cluster.member(leader).node.transferLeadership(to: target)
    try await waitUntil("node \(target) leads") { try await cluster.member(target).node.status().role == .leader }
    let response = String(decoding: try await cluster.propose("after-transfer"), as: UTF8.self)
    #expect(response.hasSuffix(":after-transfer"))
    await cluster.shutdown()
  }
}

extension Array where Element: Equatable {
  /// Whether `other`'s elements all appear in `self` in the same order (not necessarily adjacent).
  fileprivate func isSubsequence(containing other: [Element]) -> Bool {
    var remaining = other[...]
    for element in self where element == remaining.first { remaining = remaining.dropFirst() }
    return remaining.isEmpty
  }
}
