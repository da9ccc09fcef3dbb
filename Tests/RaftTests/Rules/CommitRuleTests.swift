import Testing

@testable import Raft

/// Figure 2, rules for leaders: commit N when a majority holds it and log[N].term ==
/// currentTerm; Figure 8 shows why the term condition matters.
@Suite("Figure 2: the leader's commit rule")
struct CommitRuleTests {
  @Test("A new leader appends a no-op of its term at once")
  func newLeaderAppendsNoop() throws {
    let engine = try EngineSetup(term: 2, log: TestLog.terms([1, 2])).leader()
    #expect(engine.term == 3)
    let last = try #require(engine.log.entry(at: 3))
    #expect(last.kind == .noop)
    #expect(last.term == 3)
  }

  @Test("Pitfall 11: commitIndex is the highest index a majority holds (five nodes)")
  func commitIsMajorityMatch() throws {
    var engine = try EngineSetup(members: [1, 2, 3, 4, 5]).leader()
    for command in ["a", "b", "c"] { try engine.propose(Array(command.utf8)) }  // 2...4
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 1, match: 4))
    #expect(engine.commitIndex == 0, "two of five hold index 4")
    _ = engine.receive(.accepted(from: 3, to: 1, term: 1, match: 2))
    #expect(engine.commitIndex == 2, "three of five hold index 2")
    _ = engine.receive(.accepted(from: 5, to: 1, term: 1, match: 3))
    #expect(engine.commitIndex == 3, "three of five hold index 3")
  }

  /// Figure 8: the leader of term 4 holds entry 2 of term 2, now stored on a majority. Counting
  /// it would let a node with a term-3 entry 2 (electable by votes from nodes whose last term
  /// is 2) overwrite a "committed" entry. It commits only with an entry of term 4.
  @Test("Figure 8: entries of earlier terms commit only with an entry of the current term")
  func figure8() throws {
    var engine = try EngineSetup(members: [1, 2, 3, 4, 5], term: 3, log: TestLog.terms([1, 2]), commitIndex: 1)
      .leader()
    #expect(engine.term == 4)
    #expect(engine.log.term(at: 3) == 4)  // the no-op
    _ = engine.receive(.accepted(from: 2, to: 1, term: 4, match: 2))
    _ = engine.receive(.accepted(from: 3, to: 1, term: 4, match: 2))
    #expect(engine.commitIndex == 1, "entry 2 of term 2 is on three of five nodes, but not committable")
    _ = engine.receive(.accepted(from: 2, to: 1, term: 4, match: 3))
    #expect(engine.commitIndex == 1)
    let output = engine.receive(.accepted(from: 3, to: 1, term: 4, match: 3))
    #expect(engine.commitIndex == 3, "entry 3 of term 4 commits, and entry 2 with it")
    #expect(output.committed.map(\.index) == [2, 3])
  }

  @Test("The leader's own log counts only once it is durable")
  func leaderCountsItselfOnlyWhenDurable() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let index = try engine.propose(Array("x".utf8))
    let ready = engine.ready()
    let write = try #require(ready.persistence)
    #expect(write.entries.map(\.index) == [index])
    // The AppendEntries leave in parallel with the leader's own write.
    #expect(ready.messages.compactMap(\.appendEntries).flatMap(\.entries).map(\.index) == [index, index])
    engine.step(.accepted(from: 2, to: 1, term: 1, match: index))
    #expect(engine.commitIndex == 1, "one follower plus an unwritten leader log is no majority")
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.commitIndex == index)
  }

  @Test("Committed entries are handed to the state machine only once durable locally")
  func appliesOnlyDurableEntries() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let index = try engine.propose(Array("x".utf8))
    let ready = engine.ready()
    let write = try #require(ready.persistence)
    // Both followers hold the entry: it is committed without the leader's own copy.
    engine.step(.accepted(from: 2, to: 1, term: 1, match: index))
    engine.step(.accepted(from: 3, to: 1, term: 1, match: index))
    #expect(engine.commitIndex == index)
    #expect(engine.ready().committedEntries.isEmpty)
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.ready().committedEntries.map(\.index) == [index])
  }

  @Test("A new commit index reaches the followers at once")
  func commitIsAnnounced() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let index = try engine.propose(Array("x".utf8))
    _ = engine.flush()
    let output = engine.receive(.accepted(from: 2, to: 1, term: 1, match: index))
    #expect(output.appends(to: 3).map(\.leaderCommit).contains(index))
    #expect(output.appends(to: 2).map(\.leaderCommit).contains(index))
  }

  /// A follower commits from a heartbeat without a consistency check, so the leader must not
  /// announce more than the follower is known to hold: its entries there may be stale ones.
  @Test("A heartbeat carries the commit index capped at what that follower is known to hold")
  func heartbeatCommitIsCapped() throws {
    var engine = try EngineSetup().leader(replicating: [2])
    let index = try engine.propose(Array("x".utf8))
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 1, match: index))
    #expect(engine.commitIndex == index)
    let heartbeats = engine.tick(1).messages.filter(\.isHeartbeat)
    #expect(heartbeats.map(\.to) == [2, 3])
    #expect(
      heartbeats.map(\.body) == [.heartbeat(Heartbeat(commitIndex: index)), .heartbeat(Heartbeat(commitIndex: 0))])
  }

  @Test("Pitfall 17: committed entries are handed out in order, each exactly once")
  func appliesInOrderExactlyOnce() throws {
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    for round in 0..<4 {
      for command in 0..<3 { _ = try cluster[1].propose(Array("c\(round).\(command)".utf8)) }
      cluster.settle()
    }
    for id in cluster.ids {
      let indexes = cluster.applied[Int(id.rawValue) - 1].map(\.index)
      #expect(indexes == Array(stride(from: LogIndex(1), through: 13, by: 1)), "node \(id)")
    }
  }

  @Test("Pitfall 15: after a restart the engine replays the committed log from the start")
  func restartReplaysCommittedLog() throws {
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    try cluster.propose("a", at: 1)
    try cluster.propose("b", at: 1)
    let node = cluster[2]
    #expect(node.commitIndex == 3)
    var restarted = try EngineSetup(
      id: 2, term: node.term, votedFor: node.votedFor, log: node.log.allEntries,
      commitIndex: node.hardState.commitIndex
    ).engine()
    #expect(restarted.appliedIndex == 0)
    let replay = restarted.flush().committed
    #expect(replay.map(\.index) == [1, 2, 3])
    #expect(replay.filter { $0.kind == .command }.map(\.payload) == [Array("a".utf8), Array("b".utf8)])
    #expect(restarted.flush().committed.isEmpty)
  }
}
