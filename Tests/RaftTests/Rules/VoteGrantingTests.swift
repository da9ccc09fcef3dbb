import Testing

@testable import Raft

/// Figure 2, RequestVote receiver: grant at most one vote per term, only to a candidate of a
/// current term whose log is at least as up to date as the voter's.
@Suite("Figure 2: vote granting")
struct VoteGrantingTests {
  /// A follower in term 5 whose log ends at 3@2.
  let voter = EngineSetup(term: 5, log: TestLog.terms([1, 1, 2]))

  private func grants(_ output: EngineOutput, to candidate: NodeID) -> Bool? {
    output.messages(to: candidate).compactMap(\.voteResponse).last?.granted
  }

  @Test("A follower grants its vote to the first up-to-date candidate of a newer term")
  func grantsFirstCandidate() throws {
    var engine = try voter.engine()
    let output = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
    #expect(grants(output, to: 2) == true)
    #expect(output.messages(to: 2).map(\.term) == [6])
    #expect(engine.term == 6)
    #expect(engine.votedFor == 2)
  }

  @Test("Only one vote per term: a second candidate of the same term is refused")
  func oneVotePerTerm() throws {
    var engine = try voter.engine()
    _ = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
    let output = engine.receive(.vote(from: 3, to: 1, term: 6, lastIndex: 9, lastTerm: 3))
    #expect(grants(output, to: 3) == false)
    #expect(engine.votedFor == 2)
  }

  @Test("A repeated request from the candidate already voted for is granted again")
  func retransmittedRequestIsGrantedAgain() throws {
    var engine = try voter.engine()
    _ = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
    let output = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
    #expect(grants(output, to: 2) == true)
  }

  @Test("A candidate of an older term gets no vote and changes nothing")
  func staleCandidateIsRefused() throws {
    var engine = try voter.engine()
    let output = engine.receive(.vote(from: 2, to: 1, term: 4, lastIndex: 9, lastTerm: 4))
    #expect(grants(output, to: 2) != true)
    #expect(engine.term == 5)
    #expect(engine.votedFor == nil)
    #expect(output.writes.isEmpty)
  }

  /// Pitfall 4: the last term decides first; only equal last terms compare lengths.
  @Test(
    "Pitfall 4: the up-to-date check compares the last term first, then the last index",
    arguments: [
      (lastIndex: 3, lastTerm: 2, granted: true),  // identical
      (lastIndex: 4, lastTerm: 2, granted: true),  // same last term, longer
      (lastIndex: 2, lastTerm: 2, granted: false),  // same last term, shorter
      (lastIndex: 10, lastTerm: 1, granted: false),  // longer, but an older last term
      (lastIndex: 1, lastTerm: 3, granted: true),  // shorter, but a newer last term
      (lastIndex: 0, lastTerm: 0, granted: false),  // empty
    ] as [(lastIndex: UInt64, lastTerm: UInt64, granted: Bool)])
  func upToDateCheck(lastIndex: UInt64, lastTerm: UInt64, granted: Bool) throws {
    var engine = try voter.engine()
    let output = engine.receive(
      .vote(from: 2, to: 1, term: 6, lastIndex: LogIndex(lastIndex), lastTerm: Term(lastTerm)))
    #expect(grants(output, to: 2) == granted)
    #expect(engine.votedFor == (granted ? 2 : nil))
    #expect(
      TestLog.raftLog([1, 1, 2]).isUpToDate(lastIndex: LogIndex(lastIndex), lastTerm: Term(lastTerm)) == granted)
  }

  @Test("Pitfall 3: a vote belongs to its term; a newer term frees it")
  func voteIsResetByNewTerm() throws {
    var setup = voter
    setup.votedFor = 2
    var engine = try setup.engine()
    #expect(grants(engine.receive(.vote(from: 3, to: 1, term: 5, lastIndex: 3, lastTerm: 2)), to: 3) == false)
    let output = engine.receive(.vote(from: 3, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
    #expect(grants(output, to: 3) == true)
    #expect(engine.votedFor == 3)
  }

  @Test("Pitfall 3: a candidate that sees a newer candidate becomes a follower and may vote for it")
  func candidateStepsDownAndVotes() throws {
    var engine = try voter.engine()
    engine.campaign()
    _ = engine.flush()
    #expect(engine.role == .candidate)
    #expect(engine.term == 6)
    let output = engine.receive(.vote(from: 3, to: 1, term: 7, lastIndex: 3, lastTerm: 2))
    #expect(engine.role == .follower)
    #expect(engine.term == 7)
    #expect(grants(output, to: 3) == true)
  }

  @Test("Pitfall 3: a leader that sees a vote request of a newer term steps down (check-quorum off)")
  func leaderStepsDownForNewerCandidate() throws {
    var engine = try voter.leader(replicating: [2, 3])
    #expect(engine.term == 6)
    let output = engine.receive(.vote(from: 3, to: 1, term: 8, lastIndex: 9, lastTerm: 6))
    #expect(engine.role == .follower)
    #expect(engine.term == 8)
    #expect(engine.leader == nil)
    #expect(grants(output, to: 3) == true)
  }

  /// Figure 2, rules for followers: the election timer restarts on granting a vote.
  @Test("Granting a vote restarts the election timer")
  func grantingRestartsElectionTimer() throws {
    for granting in [false, true] {
      var engine = try voter.engine()
      _ = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
      let timeout = engine.randomizedElectionTimeout
      _ = engine.tick(timeout - 1)
      if granting {
        // The same candidate asks again (a retransmission) and is granted again.
        _ = engine.receive(.vote(from: 2, to: 1, term: 6, lastIndex: 3, lastTerm: 2))
      }
      _ = engine.tick(1)
      #expect(engine.role == (granting ? .follower : .candidate), "granting: \(granting)")
    }
  }
}
