import Testing

@testable import Raft

/// Elections: candidates, randomized timeouts, pre-vote and check-quorum (Figure 2 rules for
/// candidates and followers; pitfalls 1, 2, 5 and 7).
@Suite("Elections")
struct ElectionTests {
  @Test("A candidate raises its term, votes for itself and asks every peer, once its term is durable")
  func candidateAsksForVotes() throws {
    var engine = try EngineSetup(term: 2, log: TestLog.terms([1, 2])).engine()
    engine.campaign()
    #expect(engine.role == .candidate)
    #expect(engine.term == 3)
    #expect(engine.votedFor == 1)
    let output = engine.flush()
    #expect(output.writes.first?.hardState == HardState(term: 3, votedFor: 1, commitIndex: 0))
    let requests = output.messages.filter { $0.voteRequest != nil }
    #expect(requests.map(\.to) == [2, 3])
    #expect(requests.allSatisfy { $0.term == 3 })
    #expect(
      requests.allSatisfy {
        $0.voteRequest == VoteRequest(isPreVote: false, lastLogIndex: 2, lastLogTerm: 2)
      })
  }

  @Test("A candidate wins with a majority of votes and only then", arguments: [3, 5])
  func candidateNeedsMajority(size: UInt64) throws {
    let members = (1...size).map { NodeID($0) }
    var engine = try EngineSetup(members: members).engine()
    engine.campaign()
    _ = engine.flush()
    let needed = Int(size / 2)  // besides its own vote
    for (count, voter) in members.dropFirst().prefix(needed).enumerated() {
      #expect(engine.role == .candidate, "after \(count) grants")
      _ = engine.receive(.voteReply(from: voter, to: 1, term: 1, granted: true))
    }
    #expect(engine.role == .leader)
  }

  @Test("A candidate refused by a majority goes back to being a follower in its term")
  func candidateRefusedByMajority() throws {
    var engine = try EngineSetup(members: [1, 2, 3, 4, 5]).engine()
    engine.campaign()
    _ = engine.flush()
    _ = engine.receive(.voteReply(from: 2, to: 1, term: 1, granted: false))
    _ = engine.receive(.voteReply(from: 3, to: 1, term: 1, granted: false))
    #expect(engine.role == .candidate)
    _ = engine.receive(.voteReply(from: 4, to: 1, term: 1, granted: false))
    #expect(engine.role == .follower)
    #expect(engine.term == 1)
  }

  @Test("A single-node cluster elects itself and commits alone")
  func singleNode() throws {
    var engine = try EngineSetup(members: [1]).engine()
    engine.campaign()
    _ = engine.flush()
    #expect(engine.role == .leader)
    try engine.propose(Array("x".utf8))
    #expect(engine.flush().committed.map(\.index) == [2])
  }

  @Test("Pitfall 1: a new leader sends AppendEntries to every peer at once, before any tick")
  func newLeaderAnnouncesAtOnce() throws {
    var engine = try EngineSetup().engine()
    engine.campaign()
    _ = engine.flush()
    engine.step(.voteReply(from: 2, to: 1, term: 1, granted: true))
    #expect(engine.role == .leader)
    // The very next ready(), without waiting for the leader's own write: no tick has passed.
    let messages = engine.ready().messages
    #expect(messages.compactMap(\.appendEntries).count == 2)
    #expect(Set(messages.filter { $0.appendEntries != nil }.map(\.to)) == [2, 3])
  }

  /// Figure 2, rules for leaders: empty AppendEntries during idle periods prevent timeouts.
  @Test("A leader sends heartbeats to every peer once per heartbeat interval")
  func heartbeatInterval() throws {
    var setup = EngineSetup()
    setup.heartbeatIntervalTicks = 3
    var engine = try setup.leader(replicating: [2, 3])
    var heartbeatTicks: [Int] = []
    for tick in 1...9 {
      let heartbeats = engine.tick(1).messages.filter(\.isHeartbeat)
      if !heartbeats.isEmpty {
        heartbeatTicks.append(tick)
        #expect(heartbeats.map(\.to) == [2, 3])
      }
    }
    #expect(heartbeatTicks == [3, 6, 9])
  }

  @Test("A follower that hears from its leader does not campaign")
  func leaderContactKeepsFollowerCalm() throws {
    var engine = try EngineSetup(term: 1).engine()
    for _ in 0..<50 {
      _ = engine.tick(1)
      _ = engine.receive(.heartbeat(from: 2, to: 1, term: 1))
    }
    #expect(engine.role == .follower)
    #expect(engine.term == 1)
    #expect(engine.statistics.electionsStarted == 0)
  }

  /// Ticks a lone follower through `rounds` elections and returns how many ticks each took.
  private func electionTimeouts(seed: UInt64, rounds: Int) throws -> [Int] {
    var setup = EngineSetup()
    setup.seed = seed
    var engine = try setup.engine()
    var timeouts: [Int] = []
    var ticks = 0
    while timeouts.count < rounds {
      let term = engine.term
      engine.tick()
      ticks += 1
      if engine.term != term {
        timeouts.append(ticks)
        ticks = 0
      }
    }
    return timeouts
  }

  @Test("Pitfall 2: election timeouts lie in [T, 2T) and vary from round to round", arguments: [1, 2, 3] as [UInt64])
  func timeoutsVaryPerRound(seed: UInt64) throws {
    let timeouts = try electionTimeouts(seed: seed, rounds: 300)
    #expect(timeouts.allSatisfy { (10..<20).contains($0) }, "seed \(seed): \(timeouts)")
    // Every value of the range shows up: the whole range is used, not a fixed offset.
    #expect(Set(timeouts) == Set(10..<20), "seed \(seed)")
  }

  @Test("Pitfall 2: nodes seeded differently time out differently")
  func timeoutsVaryPerNode() throws {
    let firstTimeouts = try (1...8).map { try electionTimeouts(seed: $0, rounds: 1)[0] }
    #expect(Set(firstTimeouts).count > 1, "\(firstTimeouts)")
  }

  @Test("Pitfall 7: a node ignores messages from itself and never sends to itself")
  func noSelfMessages() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    // Handling its own AppendEntries would make the leader follow itself.
    let output = engine.receive(.append(from: 1, to: 1, term: 1, prev: 0, prevTerm: 0))
    #expect(engine.role == .leader)
    #expect(output.messages.isEmpty)
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    try cluster.propose("a", at: 1)
    cluster.tick(3)
    #expect(!cluster.trace.isEmpty)
    #expect(cluster.trace.allSatisfy { !$0.hasPrefix("1->1 ") && !$0.hasPrefix("2->2 ") && !$0.hasPrefix("3->3 ") })
  }

  @Test("Messages addressed to another node or from a non-member are ignored")
  func strayMessagesAreIgnored() throws {
    var engine = try EngineSetup(term: 1).engine()
    _ = engine.receive(.append(from: 2, to: 3, term: 5, prev: 0, prevTerm: 0))
    _ = engine.receive(.append(from: 7, to: 1, term: 5, prev: 0, prevTerm: 0))
    #expect(engine.term == 1)
    #expect(engine.leader == nil)
  }
}
