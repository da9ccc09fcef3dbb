import Testing

@testable import Raft

/// Figure 2, rules for all servers: a message of a newer term makes the receiver adopt the term
/// and become a follower; a message of an older term is ignored (stale replies arrive late).
@Suite("Figure 2: term handling")
struct TermHandlingTests {
  /// Each kind of message, as node 2 would send it in `term`.
  static let newerTermMessages: [(kind: String, make: @Sendable (Term) -> Message)] = [
    ("Vote", { .vote(from: 2, to: 1, term: $0, lastIndex: 0, lastTerm: 0) }),
    ("VoteResp", { .voteReply(from: 2, to: 1, term: $0, granted: false) }),
    ("App", { .append(from: 2, to: 1, term: $0, prev: 0, prevTerm: 0) }),
    ("AppResp", { .accepted(from: 2, to: 1, term: $0, match: 0) }),
    ("Heartbeat", { .heartbeat(from: 2, to: 1, term: $0) }),
    ("HeartbeatResp", { .heartbeatReply(from: 2, to: 1, term: $0) }),
  ]

  @Test("Any message of a newer term makes a leader adopt it and step down", arguments: newerTermMessages.indices)
  func leaderStepsDownOnNewerTerm(kind: Int) throws {
    var engine = try EngineSetup(term: 3, log: TestLog.terms([1, 3])).leader(replicating: [2, 3])
    #expect(engine.term == 4)
    let message = Self.newerTermMessages[kind].make(9)
    _ = engine.receive(message)
    #expect(engine.role == .follower, "\(message)")
    #expect(engine.term == 9)
    #expect(engine.hardState.term == 9)
  }

  @Test(
    "Any message of a newer term makes a candidate adopt it and forget its vote", arguments: newerTermMessages.indices)
  func candidateAdoptsNewerTerm(kind: Int) throws {
    var engine = try EngineSetup(term: 3).engine()
    engine.campaign()
    _ = engine.flush()
    #expect(engine.votedFor == 1)
    let message = Self.newerTermMessages[kind].make(9)
    _ = engine.receive(message)
    #expect(engine.role == .follower, "\(message)")
    #expect(engine.term == 9)
    // Its vote for itself belonged to term 4; in term 9 it is free (or given to the new candidate).
    #expect(engine.votedFor != 1)
  }

  @Test("An AppendEntries of a newer term makes the sender the known leader")
  func newerAppendNamesTheLeader() throws {
    var engine = try EngineSetup(term: 3).engine()
    _ = engine.receive(.append(from: 3, to: 1, term: 5, prev: 0, prevTerm: 0))
    #expect(engine.leader == 3)
    #expect(engine.term == 5)
  }

  @Test("A candidate that hears from a leader of its own term becomes its follower")
  func candidateFollowsLeaderOfSameTerm() throws {
    var engine = try EngineSetup(term: 3).engine()
    engine.campaign()
    _ = engine.flush()
    let output = engine.receive(.append(from: 2, to: 1, term: 4, prev: 0, prevTerm: 0))
    #expect(engine.role == .follower)
    #expect(engine.term == 4)
    #expect(engine.leader == 2)
    #expect(output.messages(to: 2).compactMap(\.appendResult) == [.accepted(matchIndex: 0)])
  }

  @Test("An AppendEntries of an older term changes nothing and tells the stale leader the term")
  func staleAppendIsRefused() throws {
    var engine = try EngineSetup(term: 5, log: TestLog.terms([1, 1])).engine()
    let output = engine.receive(
      .append(from: 2, to: 1, term: 4, prev: 0, prevTerm: 0, entries: TestLog.terms([4]), commit: 1))
    #expect(engine.log.lastIndex == 2)
    #expect(engine.log.term(at: 1) == 1)
    #expect(engine.commitIndex == 0)
    #expect(engine.leader == nil)
    #expect(engine.term == 5)
    #expect(output.writes.isEmpty)
    // Only a reply that carries our term: never an acknowledgement the stale leader could count.
    #expect(output.messages(to: 2).allSatisfy { $0.appendResult == nil && $0.term == 5 })
  }

  @Test("A stale leader that hears the newer term from a follower steps down")
  func staleLeaderLearnsNewTerm() throws {
    var setup = EngineSetup(id: 2, term: 5)
    setup.preVote = true
    var follower = try setup.engine()
    var staleLeader = try EngineSetup(term: 3).leader(replicating: [2, 3])
    let heartbeat = try #require(staleLeader.tick(1).messages(to: 2).first { $0.isHeartbeat })
    let reply = try #require(follower.receive(heartbeat).messages(to: 1).first)
    _ = staleLeader.receive(reply)
    #expect(staleLeader.role == .follower)
    #expect(staleLeader.term == 5)
  }

  @Test("Pitfall 6: a vote reply from an earlier term is ignored")
  func lateVoteReplyIsIgnored() throws {
    var engine = try EngineSetup(members: [1, 2, 3, 4, 5], term: 3).engine()
    engine.campaign()  // term 4
    _ = engine.flush()
    engine.campaign()  // split vote; term 5
    _ = engine.flush()
    #expect(engine.term == 5)
    // Grants from term 4 arrive now: enough for a quorum, but they belong to the old election.
    for voter: NodeID in [2, 3, 4] { _ = engine.receive(.voteReply(from: voter, to: 1, term: 4, granted: true)) }
    #expect(engine.role == .candidate)
    _ = engine.receive(.voteReply(from: 2, to: 1, term: 5, granted: true))
    #expect(engine.role == .candidate)
    _ = engine.receive(.voteReply(from: 3, to: 1, term: 5, granted: true))
    #expect(engine.role == .leader)
  }

  @Test("Pitfall 6: a vote reply that arrives after the node stopped being a candidate is ignored")
  func voteReplyAfterSteppingDownIsIgnored() throws {
    var engine = try EngineSetup(term: 3).engine()
    engine.campaign()  // term 4
    _ = engine.flush()
    // Another candidate won term 4; its AppendEntries makes this node a follower.
    _ = engine.receive(.append(from: 3, to: 1, term: 4, prev: 0, prevTerm: 0))
    _ = engine.receive(.voteReply(from: 2, to: 1, term: 4, granted: true))
    #expect(engine.role == .follower)
    #expect(engine.leader == 3)
  }

  @Test("An acknowledgement from an earlier term does not count toward commitment")
  func staleAppendAcknowledgementIsIgnored() throws {
    var engine = try EngineSetup(term: 3, log: TestLog.terms([1, 3])).leader()
    #expect(engine.term == 4)
    try engine.propose(Array("x".utf8))  // index 4
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 3, match: 4))
    #expect(engine.commitIndex == 0)
    #expect(engine.peer(2)?.matchIndex == 0)
    _ = engine.receive(.accepted(from: 2, to: 1, term: 4, match: 4))
    #expect(engine.commitIndex == 4)
  }
}
