import Testing

@testable import Raft

/// The leader's side of replication: progress from what a request contained, fresh retries,
/// and catching up far-behind followers (pitfalls 10 and 12).
@Suite("Replication progress")
struct ReplicationTests {
  @Test("Pitfall 10: matchIndex moves to what the acknowledged request contained, not the leader's log length")
  func matchIndexFromRequest() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let first = try engine.propose(Array("a".utf8))
    _ = engine.flush()
    try engine.propose(Array("b".utf8))
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 1, match: first))
    #expect(engine.peer(2)?.matchIndex == first)
    #expect(engine.commitIndex == first)
  }

  @Test("Pitfall 10: a retry carries the current term, a fresh prevLogIndex/prevLogTerm and the current commit")
  func retryIsFresh() throws {
    // Leader of term 2 over log 1@1 2@1; node 3 is far behind, node 2 keeps up.
    var engine = try EngineSetup(term: 1, log: TestLog.terms([1, 1])).leader(replicating: [2])
    let index = try engine.propose(Array("x".utf8))  // 4
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 2, match: index))
    #expect(engine.commitIndex == index)
    // Node 3 now rejects the AppendEntries sent when the leader was elected (prev 2@1, commit 0).
    let hint = ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 0)
    let retry = try #require(engine.receive(.rejected(from: 3, to: 1, term: 2, index: 2, hint: hint)).messages.first)
    #expect(retry.to == 3)
    #expect(retry.term == 2)
    let append = try #require(retry.appendEntries)
    #expect(append.prevLogIndex == 0)
    #expect(append.prevLogTerm == 0)
    #expect(append.leaderCommit == index)
    #expect(append.entries.map(\.index) == [1, 2, 3, 4])
  }

  @Test("A rejection of a request older than what is known to match is ignored")
  func staleRejectionIsIgnored() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let index = try engine.propose([1])
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 1, match: index))
    let output = engine.receive(.rejected(from: 2, to: 1, term: 1, index: 1))
    #expect(engine.peer(2)?.state == .replicate)
    #expect(engine.peer(2)?.matchIndex == index)
    #expect(output.appends(to: 2).isEmpty)
  }

  @Test(
    "Pitfall 12: a follower with an empty log catches up in one round trip per probe",
    arguments: BacktrackingChoice.allCases)
  func emptyFollowerCatchesUp(choice: BacktrackingChoice) throws {
    var cluster = try LockstepCluster(size: 3) { setup in
      setup.backtracking = choice.strategy
      if setup.id != 2 {
        setup.term = 1
        setup.log = TestLog.terms(Array(repeating: 1, count: 30))
      }
    }
    cluster.elect(1)
    #expect(cluster[1].role == .leader)
    #expect(cluster[1].log.lastIndex == 31)
    #expect(cluster[2].log.allEntries == cluster[1].log.allEntries)
    // The leader's first probe has prevLogIndex 30: the decrement is rejected 30 times, the
    // hint (XLen = 0) once.
    let rejections = choice == .decrement ? 30 : 1
    #expect(cluster[1].statistics.catchUps == 1)
    #expect(cluster[1].statistics.catchUpRoundTrips == rejections + 1)
  }

  @Test("Statistics count AppendEntries and entries sent")
  func sendStatistics() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    let before = engine.statistics
    #expect(before.electionsStarted == 1)
    for _ in 0..<3 { try engine.propose([1]) }
    _ = engine.flush()
    #expect(engine.statistics.appendMessagesSent == before.appendMessagesSent + 2)
    #expect(engine.statistics.entriesSent == before.entriesSent + 6)
  }
}
