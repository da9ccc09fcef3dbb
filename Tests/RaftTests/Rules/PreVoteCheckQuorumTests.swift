import Testing

@testable import Raft

/// Pre-vote and check-quorum (Raft thesis 9.6, pitfall 5), each switchable.
@Suite("Pre-vote and check-quorum")
struct PreVoteCheckQuorumTests {
  @Test("Pitfall 5: with pre-vote an isolated node does not raise its term", arguments: [true, false])
  func isolatedNodeKeepsItsTerm(preVote: Bool) throws {
    var setup = EngineSetup(term: 4)
    setup.preVote = preVote
    var engine = try setup.engine()
    _ = engine.tick(100)  // five or more election timeouts, no answer from anyone
    if preVote {
      #expect(engine.term == 4)
      #expect(engine.role == .preCandidate)
      #expect(engine.statistics.electionsStarted == 0)
    } else {
      #expect(engine.term >= 9)
      #expect(engine.statistics.electionsStarted >= 5)
    }
  }

  @Test("A pre-candidate asks about the next term without raising its own, and without waiting for a write")
  func preCandidateAsks() throws {
    var setup = EngineSetup(term: 4, log: TestLog.terms([1, 4]))
    setup.preVote = true
    var engine = try setup.engine()
    engine.campaign()
    #expect(engine.role == .preCandidate)
    #expect(engine.term == 4)
    let ready = engine.ready()
    #expect(ready.persistence == nil)
    #expect(
      ready.messages
        == [2, 3].map {
          .vote(from: 1, to: $0, term: 5, lastIndex: 2, lastTerm: 4, preVote: true)
        })
  }

  @Test("A pre-candidate campaigns for real only with a quorum of pre-votes")
  func preCandidateNeedsQuorum() throws {
    var setup = EngineSetup(members: [1, 2, 3, 4, 5], term: 4)
    setup.preVote = true
    var engine = try setup.engine()
    engine.campaign()
    _ = engine.flush()
    _ = engine.receive(.voteReply(from: 2, to: 1, term: 5, granted: true, preVote: true))
    _ = engine.receive(.voteReply(from: 3, to: 1, term: 4, granted: false, preVote: true))
    #expect(engine.role == .preCandidate)
    #expect(engine.term == 4)
    let output = engine.receive(.voteReply(from: 4, to: 1, term: 5, granted: true, preVote: true))
    #expect(engine.role == .candidate)
    #expect(engine.term == 5)
    #expect(output.messages.compactMap(\.voteRequest).allSatisfy { !$0.isPreVote })
    #expect(output.messages.compactMap(\.voteRequest).count == 4)
  }

  @Test("A pre-vote is granted to an up-to-date log without changing the voter's term or vote")
  func preVoteChangesNothing() throws {
    var setup = EngineSetup(id: 2, term: 4, log: TestLog.terms([1, 4]))
    setup.preVote = true
    var engine = try setup.engine()
    let output = engine.receive(.vote(from: 1, to: 2, term: 5, lastIndex: 2, lastTerm: 4, preVote: true))
    #expect(output.messages == [.voteReply(from: 2, to: 1, term: 5, granted: true, preVote: true)])
    #expect(engine.term == 4)
    #expect(engine.votedFor == nil)
    #expect(output.writes.isEmpty)
  }

  @Test("Pitfall 4 for pre-votes: a pre-candidate whose log is behind is refused")
  func preVoteRefusedToStaleLog() throws {
    var setup = EngineSetup(id: 2, term: 4, log: TestLog.terms([1, 4]))
    setup.preVote = true
    var engine = try setup.engine()
    let output = engine.receive(.vote(from: 1, to: 2, term: 5, lastIndex: 7, lastTerm: 3, preVote: true))
    #expect(output.messages.compactMap(\.voteResponse) == [VoteResponse(isPreVote: true, granted: false)])
    #expect(engine.term == 4)
  }

  @Test(
    "Check-quorum: a follower that heard from its leader ignores a newer candidate until the lease ends",
    arguments: [true, false])
  func followerLease(checkQuorum: Bool) throws {
    var setup = EngineSetup(term: 2)
    setup.checkQuorum = checkQuorum
    // A seed whose first randomized timeout is above T, so the lease can end before the
    // follower campaigns itself.
    setup.seed = try #require(
      (1...UInt64(100)).first { seed in
        setup.seed = seed
        return (try? setup.engine().randomizedElectionTimeout).map { $0 > setup.electionTimeoutTicks } ?? false
      })
    var engine = try setup.engine()
    _ = engine.receive(.heartbeat(from: 2, to: 1, term: 2))
    let output = engine.receive(.vote(from: 3, to: 1, term: 3, lastIndex: 0, lastTerm: 0))
    let granted = output.messages.compactMap(\.voteResponse).first?.granted
    if checkQuorum {
      #expect(engine.term == 2)
      #expect(engine.leader == 2)
      #expect(granted == nil)
      // An election timeout later without a word from the leader, the lease is over.
      _ = engine.tick(setup.electionTimeoutTicks)
      #expect(engine.role == .follower)
      let later = engine.receive(.vote(from: 3, to: 1, term: 3, lastIndex: 0, lastTerm: 0))
      #expect(later.messages.compactMap(\.voteResponse).first?.granted == true)
    } else {
      #expect(engine.term == 3)
      #expect(granted == true)
    }
  }

  @Test(
    "Check-quorum: a leader that hears from no quorum for an election timeout steps down", arguments: [true, false])
  func leaderStepsDownWithoutQuorum(checkQuorum: Bool) throws {
    var setup = EngineSetup()
    setup.checkQuorum = checkQuorum
    var engine = try setup.leader(replicating: [2, 3])
    _ = engine.tick(2 * setup.electionTimeoutTicks)
    #expect(engine.role == (checkQuorum ? .follower : .leader))
    #expect(engine.term == 1)
  }

  @Test("Check-quorum: a leader that hears from a quorum keeps leading")
  func leaderWithQuorumStays() throws {
    var setup = EngineSetup()
    setup.checkQuorum = true
    var engine = try setup.leader(replicating: [2, 3])
    for _ in 0..<(5 * setup.electionTimeoutTicks) {
      _ = engine.tick(1)
      _ = engine.receive(.heartbeatReply(from: 2, to: 1, term: 1))
    }
    #expect(engine.role == .leader)
  }

  /// Node 3 is cut off while the others commit an entry, then returns. With pre-vote it never
  /// raised its term, so the leader keeps leading. Without it, its raised term reaches the
  /// leader (as a vote request, or, with check-quorum, as the reply to a heartbeat that lets an
  /// isolated node rejoin at all) and forces a new election.
  @Test(
    "Pitfall 5: a node returning from a partition disrupts the leader only without pre-vote",
    arguments: [
      (preVote: true, checkQuorum: true, disrupted: false),
      (preVote: true, checkQuorum: false, disrupted: false),
      (preVote: false, checkQuorum: true, disrupted: true),
      (preVote: false, checkQuorum: false, disrupted: true),
    ])
  func returningNodeDoesNotDisrupt(preVote: Bool, checkQuorum: Bool, disrupted: Bool) throws {
    var cluster = try LockstepCluster(size: 3) {
      $0.preVote = preVote
      $0.checkQuorum = checkQuorum
    }
    cluster.elect(1)
    #expect(cluster.leaders == [1])
    let term = cluster[1].term
    cluster.isolate(3)
    try cluster.propose("a", at: 1)
    cluster.tick(60)
    #expect(cluster.leaders == [1], "the majority side keeps its leader")
    cluster.heal()
    cluster.tick(100)
    #expect((cluster[1].term > term) == disrupted)
    if !disrupted { #expect(cluster.leaders == [1]) }
    // Either way the cluster ends with one leader that node 3 follows, and node 3 caught up.
    let leaders = cluster.leaders
    #expect(leaders.count == 1)
    #expect(cluster[3].leader == leaders.first)
    #expect(cluster[3].commitIndex >= 2)
  }
}
