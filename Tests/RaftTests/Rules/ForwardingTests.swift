import Testing

@testable import Raft

/// Proposal forwarding: a follower hands proposals to the leader it knows of, in batches, and
/// learns where they went; without a known leader a proposal fails at once with a retryable error.
@Suite("Proposal forwarding")
struct ForwardingTests {
  /// A follower of node 1 in term 2.
  private func follower(forwardProposals: Bool = true) throws -> RaftEngine {
    var setup = EngineSetup(id: 2, term: 2)
    setup.forwardProposals = forwardProposals
    var engine = try setup.engine()
    _ = engine.receive(.heartbeat(from: 1, to: 2, term: 2))
    return engine
  }

  @Test("A follower forwards proposals made together to the leader in one message")
  func followerForwardsInOneMessage() throws {
    var engine = try follower()
    #expect(try engine.propose(Array("a".utf8), id: 1) == .forwarded(to: 1))
    #expect(try engine.propose(Array("b".utf8), id: 2) == .forwarded(to: 1))
    let output = engine.flush()
    let forwarded = output.messages.filter { $0.forwardedProposals != nil }
    #expect(forwarded.count == 1)
    #expect(forwarded.first?.to == 1)
    #expect(
      forwarded.first?.forwardedProposals?.proposals
        == [ForwardedProposal(id: 1, command: Array("a".utf8)), ForwardedProposal(id: 2, command: Array("b".utf8))])
    #expect(engine.log.lastIndex == 0)  // nothing appended locally
  }

  @Test("The leader appends forwarded proposals and answers with their indexes")
  func leaderAppendsAndAnswers() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    let next = leader.log.lastIndex + 1
    let batch = ForwardedProposals(proposals: [
      ForwardedProposal(id: 1, command: Array("a".utf8)), ForwardedProposal(id: 2, command: Array("b".utf8)),
    ])
    let output = leader.receive(Message(from: 2, to: 1, term: 2, body: .forwardedProposals(batch)))
    #expect(
      output.messages.compactMap(\.forwardedProposalsResponse)
        == [
          ForwardedProposalsResponse(outcomes: [
            ProposalOutcome(id: 1, result: .appended(index: next, term: 2)),
            ProposalOutcome(id: 2, result: .appended(index: next + 1, term: 2)),
          ])
        ])
    #expect(output.appends(to: 3).flatMap(\.entries).map(\.payload) == [Array("a".utf8), Array("b".utf8)])
  }

  @Test("The leader answers forwarded proposals before its own write of them is durable")
  func leaderAnswersBeforeDurable() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    let batch = ForwardedProposals(proposals: [ForwardedProposal(id: 1, command: Array("a".utf8))])
    leader.step(Message(from: 2, to: 1, term: 2, body: .forwardedProposals(batch)))
    // One Ready, its write not acknowledged: the followers may commit the entry without the
    // leader, so the answer must not wait behind the write.
    let ready = leader.ready()
    #expect(ready.persistence?.entries.map(\.payload) == [Array("a".utf8)])
    #expect(ready.messages.filter { $0.to == 2 }.compactMap(\.forwardedProposalsResponse).count == 1)
    let answerPosition = ready.messages.firstIndex { $0.forwardedProposalsResponse != nil }
    let appendPosition = ready.messages.firstIndex { $0.to == 2 && $0.appendEntries != nil }
    #expect(answerPosition != nil && appendPosition != nil && answerPosition! < appendPosition!)
  }

  @Test("The leader's answer reaches the proposer as an outcome, once")
  func outcomeReachesProposer() throws {
    var engine = try follower()
    _ = try engine.propose(Array("a".utf8), id: 9)
    _ = engine.flush()
    let answer = ForwardedProposalsResponse(outcomes: [ProposalOutcome(id: 9, result: .appended(index: 4, term: 2))])
    let message = Message(from: 1, to: 2, term: 2, body: .forwardedProposalsResponse(answer))
    #expect(engine.receive(message).proposalOutcomes == answer.outcomes)
    #expect(engine.receive(message).proposalOutcomes.isEmpty)  // a duplicate is dropped
  }

  @Test("With no leader known a proposal fails at once with a retryable error")
  func noLeaderFails() throws {
    var engine = try EngineSetup(id: 2, term: 2).engine()
    #expect(throws: ProposalError.noLeader) { try engine.propose([1], id: 1) }
    #expect(ProposalError.noLeader.isRetryable)
    engine.campaign()
    #expect(throws: ProposalError.noLeader) { try engine.propose([1], id: 2) }
  }

  @Test("With forwarding off a follower refuses and names the leader")
  func forwardingOff() throws {
    var engine = try follower(forwardProposals: false)
    #expect(throws: ProposalError.notLeader(leaderHint: 1)) { try engine.propose([1], id: 1) }
    #expect(engine.flush().messages.isEmpty)
  }

  @Test("The leader places a proposal with an id itself")
  func leaderAppendsDirectly() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    let next = leader.log.lastIndex + 1
    #expect(try leader.propose([1], id: 1) == .appended(index: next, term: 2))
  }

  @Test("A forwarded proposal the leader never answers ends as unknown after an election timeout")
  func unansweredForwardIsUnknown() throws {
    var engine = try follower()
    _ = try engine.propose([1], id: 1)
    _ = engine.flush()
    var output = engine.tick(5)
    _ = engine.receive(.heartbeat(from: 1, to: 2, term: 2))
    output = engine.tick(5)
    #expect(output.proposalOutcomes == [ProposalOutcome(id: 1, result: .failed(.forwardedOutcomeUnknown))])
  }

  @Test("A node that stopped leading refuses forwarded proposals and names the leader it knows")
  func nonLeaderRefusesForwarded() throws {
    var engine = try EngineSetup(id: 3, term: 2).engine()
    _ = engine.receive(.heartbeat(from: 1, to: 3, term: 2))
    let batch = ForwardedProposals(proposals: [ForwardedProposal(id: 5, command: [1])])
    let output = engine.receive(Message(from: 2, to: 3, term: 2, body: .forwardedProposals(batch)))
    #expect(
      output.messages.compactMap(\.forwardedProposalsResponse)
        == [ForwardedProposalsResponse(outcomes: [ProposalOutcome(id: 5, result: .failed(.notLeader(leaderHint: 1)))])])
    #expect(engine.log.lastIndex == 0)
  }

  @Test("A proposal through a follower commits on every node at the index its outcome names")
  func forwardedProposalCommits() throws {
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    #expect(try cluster[3].propose(Array("x".utf8), id: 1) == .forwarded(to: 1))
    cluster.settle()
    cluster.tick(2)
    guard case .appended(let index, let term) = try #require(cluster.proposalOutcomes[2].first).result else {
      Issue.record("expected an appended outcome, got \(cluster.proposalOutcomes[2])")
      return
    }
    #expect(term == cluster[1].term)
    for node in cluster.applied {
      #expect(node.first { $0.index == index }?.payload == Array("x".utf8))
    }
  }

  @Test("A lost forward leaves the command uncommitted and its outcome unknown")
  func lostForward() throws {
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    _ = try cluster[2].propose(Array("x".utf8), id: 1)
    cluster.isolate(2)
    cluster.flush()
    cluster.heal()
    cluster.tick(12)
    #expect(cluster.proposalOutcomes[1] == [ProposalOutcome(id: 1, result: .failed(.forwardedOutcomeUnknown))])
    #expect(cluster.applied[0].allSatisfy { $0.payload != Array("x".utf8) })
  }
}
