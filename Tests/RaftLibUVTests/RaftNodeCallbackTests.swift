import Raft
import RaftLibUV
import Testing

@Suite("Raft node runtime: completion-handler proposals")
struct RaftNodeCallbackTests {
  /// One outcome of a proposal made through a completion handler, and whether the handler ran
  /// on the node's loop thread.
  struct Outcome: Sendable {
    var result: Result<[UInt8], RaftNodeError>
    var onLoopThread: Bool
  }

  /// Proposes `command` through the completion handler and waits for it.
  static func propose(_ node: RaftNode, _ command: String) async -> Outcome {
    await withCheckedContinuation { continuation in
      node.propose(Array(command.utf8)) { result in
        continuation.resume(returning: Outcome(result: result, onLoopThread: node.eventLoop.inLoopThread))
      }
    }
  }

  /// Proposes `commands` as one batch and waits for every completion; returns them by position.
  static func propose(_ node: RaftNode, batch commands: [String]) async throws -> [Outcome] {
    let outcomes = Locked<[Int: Outcome]>([:])
    let calls = Locked(0)
    node.propose(commands.map { Array($0.utf8) }) { position, result in
      calls.withLock { $0 += 1 }
      outcomes.withLock { $0[position] = Outcome(result: result, onLoopThread: node.eventLoop.inLoopThread) }
    }
    try await waitUntil("\(commands.count) completions") { calls.value >= commands.count }
    #expect(calls.value == commands.count, "every completion runs exactly once")
    return commands.indices.map { outcomes.value[$0]! }
  }

  @Test("Not started: the completion gets .notStarted")
  func notStarted() async throws {
    let loop = try EventLoop(name: "callbacks-not-started")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    let node = cluster.member(1).node
    let single = await Self.propose(node, "early")
    #expect(throws: RaftNodeError.notStarted) { try single.result.get() }
    #expect(single.onLoopThread)
    for outcome in try await Self.propose(node, batch: ["a", "b"]) {
      #expect(throws: RaftNodeError.notStarted) { try outcome.result.get() }
    }
    await cluster.shutdown()
  }

  @Test("On the leader and on a follower: responses by position, on the loop thread, a batch written together")
  func leaderAndFollower() async throws {
    let loop = try EventLoop(name: "callbacks")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    try await cluster.startAll()
    let leader = try await cluster.waitForLeader()
    let node = cluster.member(leader).node

    let single = await Self.propose(node, "one")
    #expect(try String(decoding: single.result.get(), as: UTF8.self).hasSuffix(":one"))
    #expect(single.onLoopThread)

    let batch = (0..<50).map { "b\($0)" }
    let outcomes = try await Self.propose(node, batch: batch)
    for (position, outcome) in outcomes.enumerated() {
      #expect(try String(decoding: outcome.result.get(), as: UTF8.self).hasSuffix(":b\(position)"))
      #expect(outcome.onLoopThread)
    }
    // One hop to the loop for the whole batch: one append, one storage write.
    let writes = cluster.member(leader).storage.entriesPerWrite
    #expect(writes.contains(50), "\(writes)")

    let follower = cluster.ids.first { $0 != leader }!
    let forwarded = try await Self.propose(cluster.member(follower).node, batch: ["f0", "f1", "f2"])
    for (position, outcome) in forwarded.enumerated() {
      #expect(try String(decoding: outcome.result.get(), as: UTF8.self).hasSuffix(":f\(position)"))
    }
    let expected = ["one"] + batch + ["f0", "f1", "f2"]
    try await waitUntil("every node applied every command in order") {
      cluster.ids.allSatisfy { id in
        cluster.member(id).applied.payloads.map { String(decoding: $0, as: UTF8.self) } == expected
      }
    }
    await cluster.shutdown()
  }

  @Test("Stopping: a stopped node fails proposals with .stopping on its loop; a shut-down loop fails them at once")
  func stopping() async throws {
    let loop = try EventLoop(name: "callbacks-stopping")
    let cluster = try TestCluster.inMemory(eventLoop: loop)
    try await cluster.startAll()
    _ = try await cluster.waitForLeader()
    await cluster.stop(1)
    let stopped = cluster.member(1).node
    let single = await Self.propose(stopped, "late")
    #expect(throws: RaftNodeError.stopping) { try single.result.get() }
    #expect(single.onLoopThread)
    for outcome in try await Self.propose(stopped, batch: ["x", "y"]) {
      #expect(throws: RaftNodeError.stopping) { try outcome.result.get() }
    }

    await cluster.shutdown()
    let afterShutdown = await Self.propose(stopped, "after")
    #expect(throws: RaftNodeError.stopping) { try afterShutdown.result.get() }
    #expect(!afterShutdown.onLoopThread, "the loop is gone: the completion runs on the caller's thread")
    let batch = try await Self.propose(cluster.member(2).node, batch: ["p", "q", "r"])
    #expect(batch.count == 3)
    for outcome in batch { #expect(throws: RaftNodeError.stopping) { try outcome.result.get() } }
    // An empty batch calls nothing.
    stopped.propose([[UInt8]]()) { _, _ in Issue.record("completion for an empty batch") }
  }
}
