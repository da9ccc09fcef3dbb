import Testing

@testable import Raft

/// Leadership transfer (Raft thesis 3.10): the leader stops taking proposals, brings the target
/// up to date, and sends TimeoutNow; the target campaigns at once; the transfer is abandoned
/// after an election timeout.
@Suite("Leadership transfer")
struct LeadershipTransferTests {
  @Test("A transfer refuses proposals, local and forwarded, with a retryable error")
  func refusesProposals() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    try leader.transferLeadership(to: 2)
    #expect(leader.leadershipTransferTarget == 2)
    #expect(throws: ProposalError.leadershipTransferInProgress(to: 2)) { try leader.propose([1]) }
    #expect(ProposalError.leadershipTransferInProgress(to: 2).isRetryable)
    let batch = ForwardedProposals(proposals: [ForwardedProposal(id: 1, command: [1])])
    let output = leader.receive(Message(from: 3, to: 1, term: 2, body: .forwardedProposals(batch)))
    #expect(
      output.messages.compactMap(\.forwardedProposalsResponse).first?.outcomes
        == [ProposalOutcome(id: 1, result: .failed(.leadershipTransferInProgress(to: 2)))])
  }

  @Test("An up-to-date target gets TimeoutNow at once")
  func upToDateTargetGetsTimeoutNow() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    try leader.transferLeadership(to: 3)
    let output = leader.flush()
    #expect(output.messages.filter(\.isTimeoutNow).map(\.to) == [3])
  }

  @Test("A lagging target is brought up to date first")
  func laggingTargetCatchesUpFirst() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2])
    _ = leader.flush()
    let last = leader.log.lastIndex
    try leader.transferLeadership(to: 3)
    #expect(leader.flush().messages.filter(\.isTimeoutNow).isEmpty)
    #expect(leader.receive(.accepted(from: 3, to: 1, term: 2, match: last - 1)).messages.filter(\.isTimeoutNow).isEmpty)
    let output = leader.receive(.accepted(from: 3, to: 1, term: 2, match: last))
    #expect(output.messages.filter(\.isTimeoutNow).map(\.to) == [3])
  }

  @Test("On TimeoutNow the target campaigns at once, without pre-vote, flagged as a transfer")
  func targetCampaignsAtOnce() throws {
    var setup = EngineSetup(id: 2, term: 2)
    setup.preVote = true
    setup.checkQuorum = true
    var follower = try setup.engine()
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2))
    let output = follower.receive(Message(from: 1, to: 2, term: 2, body: .timeoutNow))
    #expect(follower.role == .candidate)
    #expect(follower.term == 3)
    let requests = output.messages.compactMap(\.voteRequest)
    #expect(requests.count == 2)
    #expect(requests.allSatisfy { !$0.isPreVote && $0.isLeadershipTransfer })
  }

  @Test("Voters that heard from the leader recently still consider a transfer's vote request")
  func transferVoteNotIgnoredByCheckQuorum() throws {
    for isTransfer in [false, true] {
      var setup = EngineSetup(id: 3, term: 2)
      setup.checkQuorum = true
      var voter = try setup.engine()
      _ = voter.receive(.heartbeat(from: 1, to: 3, term: 2))
      var request = Message.vote(from: 2, to: 3, term: 3, lastIndex: 0, lastTerm: 0)
      if case .voteRequest(var vote) = request.body {
        vote.isLeadershipTransfer = isTransfer
        request.body = .voteRequest(vote)
      }
      let output = voter.receive(request)
      #expect(voter.term == (isTransfer ? 3 : 2))
      #expect(output.messages.compactMap(\.voteResponse).map(\.granted) == (isTransfer ? [true] : []))
    }
  }

  @Test("A transfer the target does not complete is abandoned after an election timeout")
  func abandonedAfterElectionTimeout() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2])
    _ = leader.flush()
    try leader.transferLeadership(to: 3)  // node 3 never answers
    _ = leader.tick(9)
    #expect(leader.leadershipTransferTarget == 3)
    _ = leader.tick(1)
    #expect(leader.leadershipTransferTarget == nil)
    #expect(leader.role == .leader)
    #expect(try leader.propose([1]) == leader.log.lastIndex)
  }

  @Test("Transfers are refused when not leading, to a non-member or self, and while another is under way")
  func refusals() throws {
    var follower = try EngineSetup(id: 2, term: 2).engine()
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2))
    #expect(throws: LeadershipTransferError.notLeader(leaderHint: 1)) { try follower.transferLeadership(to: 3) }
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    #expect(throws: LeadershipTransferError.notAPeer(1)) { try leader.transferLeadership(to: 1) }
    #expect(throws: LeadershipTransferError.notAPeer(9)) { try leader.transferLeadership(to: 9) }
    try leader.transferLeadership(to: 2)
    try leader.transferLeadership(to: 2)  // the same target again changes nothing
    #expect(throws: LeadershipTransferError.transferInProgress(to: 2)) { try leader.transferLeadership(to: 3) }
  }

  @Test(
    "With pre-vote and check-quorum on, the target takes over and the old leader follows it",
    arguments: [2, 3] as [NodeID])
  func transferCompletes(target: NodeID) throws {
    var cluster = try LockstepCluster(size: 3) {
      $0.preVote = true
      $0.checkQuorum = true
    }
    cluster.elect(1)
    try cluster.propose("x", at: 1)
    let oldTerm = cluster[1].term
    try cluster[1].transferLeadership(to: target)
    cluster.settle()
    #expect(cluster.leaders == [target])
    #expect(cluster[target].term == oldTerm.next)
    #expect(cluster[1].role == .follower)
    #expect(cluster[1].leadershipTransferTarget == nil)
    try cluster.propose("y", at: target)
    #expect(cluster.ids.allSatisfy { cluster[$0].commitIndex == cluster[target].log.lastIndex })
  }
}
