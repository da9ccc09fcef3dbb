import Testing

@testable import Raft

/// Linearizable reads through ReadIndex (Raft thesis 6.4; pitfall 20): a read is served only
/// after a leader that has committed an entry of its term confirmed its leadership with a
/// quorum, and only once the serving node applied through the read index.
@Suite("ReadIndex reads")
struct ReadIndexTests {
  @Test("A new leader holds reads until an entry of its own term commits")
  func waitsForOwnTermCommit() throws {
    let setup = EngineSetup(term: 1, log: TestLog.terms([1, 1]), commitIndex: 1)
    var leader = try setup.leader()
    #expect(leader.log.lastIndex == 3)  // the no-op of term 2
    try leader.requestRead(ReadRequestID(1))
    var output = leader.flush()
    #expect(output.messages.compactMap(\.heartbeat).allSatisfy { $0.readContext == 0 })
    _ = leader.tick(3)
    output = leader.receive(.heartbeatReply(from: 2, to: 1, term: 2))
    #expect(output.readsReady.isEmpty)

    output = leader.receive(.accepted(from: 2, to: 1, term: 2, match: 3))
    #expect(leader.commitIndex == 3)
    let round = output.messages.compactMap(\.heartbeat).filter { $0.readContext > 0 }
    #expect(round.count == 2)
    #expect(output.readsReady.isEmpty)
    output = leader.receive(.heartbeatReply(from: 3, to: 1, term: 2, context: round[0].readContext))
    #expect(output.readsReady == [ReadyRead(id: ReadRequestID(1), index: 3)])
    #expect(output.failedReads.isEmpty)
  }

  @Test("Reads requested together share one heartbeat round")
  func readsBatchIntoOneRound() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    let commit = leader.commitIndex
    for read in 1...50 { try leader.requestRead(ReadRequestID(UInt64(read))) }
    let output = leader.flush()
    let heartbeats = output.messages.filter(\.isHeartbeat)
    #expect(heartbeats.count == 2)  // one per follower, for all fifty reads
    #expect(Set(heartbeats.map { $0.heartbeat!.readContext }) == [1])
    let served = leader.receive(.heartbeatReply(from: 2, to: 1, term: 2, context: 1))
    #expect(served.readsReady.count == 50)
    #expect(served.readsReady.allSatisfy { $0.index == commit })
    #expect(served.messages.filter(\.isHeartbeat).isEmpty)
  }

  @Test("A read is confirmed only by a quorum echoing its round, not by older or plain heartbeat replies")
  func confirmationNeedsQuorumOfRound() throws {
    var leader = try EngineSetup(members: [1, 2, 3, 4, 5], term: 1).leader(replicating: [2, 3, 4, 5])
    _ = leader.flush()
    try leader.requestRead(ReadRequestID(1))
    _ = leader.flush()
    try leader.requestRead(ReadRequestID(2))
    _ = leader.flush()  // round 2
    #expect(leader.receive(.heartbeatReply(from: 2, to: 1, term: 2, context: 1)).readsReady.isEmpty)
    #expect(leader.receive(.heartbeatReply(from: 3, to: 1, term: 2)).readsReady.isEmpty)
    // Nodes 1, 2 and 3 now confirm round 1; round 2 needs two echoes of it.
    #expect(
      leader.receive(.heartbeatReply(from: 3, to: 1, term: 2, context: 1)).readsReady.map(\.id) == [ReadRequestID(1)])
    #expect(leader.receive(.heartbeatReply(from: 4, to: 1, term: 2, context: 2)).readsReady.isEmpty)
    #expect(
      leader.receive(.heartbeatReply(from: 5, to: 1, term: 2, context: 2)).readsReady.map(\.id) == [ReadRequestID(2)])
  }

  @Test("A follower's read goes to the leader and is served only once the follower applied the read index")
  func followerServesOnceApplied() throws {
    var follower = try EngineSetup(id: 2, term: 2, log: TestLog.terms([1, 1, 2, 2, 2])).engine()
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2, commit: 3))
    #expect(follower.appliedIndex == 3)
    try follower.requestRead(ReadRequestID(7))
    try follower.requestRead(ReadRequestID(8))
    var output = follower.flush()
    #expect(output.messages.compactMap(\.readIndexRequest) == [ReadIndexRequest(reads: [7, 8])])
    #expect(output.messages.first { $0.readIndexRequest != nil }?.to == 1)

    let confirmed = ReadIndexResponse(reads: [7, 8], result: .confirmed(readIndex: 5))
    output = follower.receive(Message(from: 1, to: 2, term: 2, body: .readIndexResponse(confirmed)))
    #expect(output.readsReady.isEmpty)

    output = follower.receive(.heartbeat(from: 1, to: 2, term: 2, commit: 5))
    #expect(output.committed.map(\.index) == [4, 5])
    #expect(output.readsReady == [7, 8].map { ReadyRead(id: ReadRequestID($0), index: 5) })
  }

  @Test("The leader confirms a follower's reads with a heartbeat round, then tells it the read index")
  func leaderAnswersFollowerRead() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    let request = ReadIndexRequest(reads: [ReadRequestID(4)])
    var output = leader.receive(Message(from: 2, to: 1, term: 2, body: .readIndex(request)))
    #expect(output.messages.filter(\.isHeartbeat).count == 2)
    #expect(output.messages.compactMap(\.readIndexResponse).isEmpty)
    output = leader.receive(.heartbeatReply(from: 3, to: 1, term: 2, context: 1))
    let answer = output.messages.first { $0.readIndexResponse != nil }
    #expect(answer?.to == 2)
    #expect(
      answer?.readIndexResponse
        == ReadIndexResponse(reads: [ReadRequestID(4)], result: .confirmed(readIndex: leader.commitIndex)))
  }

  @Test("A node that is not the leader refuses a forwarded read with a hint")
  func nonLeaderRefusesForwardedRead() throws {
    var follower = try EngineSetup(id: 3, term: 2).engine()
    _ = follower.receive(.heartbeat(from: 1, to: 3, term: 2))
    let output = follower.receive(
      Message(from: 2, to: 3, term: 2, body: .readIndex(ReadIndexRequest(reads: [ReadRequestID(1)]))))
    #expect(
      output.messages.compactMap(\.readIndexResponse)
        == [ReadIndexResponse(reads: [ReadRequestID(1)], result: .refused(.notLeader(leaderHint: 1)))])
  }

  @Test("With no leader known a read fails at once, with a retryable error")
  func noLeaderFailsAtOnce() throws {
    var follower = try EngineSetup(id: 2, term: 2).engine()
    #expect(throws: ReadError.noLeader) { try follower.requestRead(ReadRequestID(1)) }
    follower.campaign()
    #expect(follower.role == .candidate)
    #expect(throws: ReadError.noLeader) { try follower.requestRead(ReadRequestID(2)) }
    #expect(ReadError.noLeader.isRetryable)
  }

  @Test("A leader that loses its leadership fails the reads it had not confirmed")
  func leadershipLossFailsReads() throws {
    var leader = try EngineSetup(term: 1).leader(replicating: [2, 3])
    _ = leader.flush()
    try leader.requestRead(ReadRequestID(1))
    _ = leader.flush()
    let output = leader.receive(.heartbeat(from: 2, to: 1, term: 5))
    #expect(leader.role == .follower)
    #expect(output.failedReads == [FailedRead(id: ReadRequestID(1), error: .leadershipLost)])
    #expect(output.readsReady.isEmpty)
  }

  @Test("A read nobody confirms fails after an election timeout")
  func unconfirmedReadTimesOut() throws {
    var follower = try EngineSetup(id: 2, term: 2).engine()
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2))
    try follower.requestRead(ReadRequestID(1))
    var output = follower.tick(5)
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2))  // the leader lives, the answer was lost
    output = follower.tick(5)
    #expect(output.failedReads == [FailedRead(id: ReadRequestID(1), error: .timedOut(ticks: 10))])
  }

  @Test("A follower asks again for reads the leader has not answered, and takes the first answer")
  func followerResendsUnansweredReads() throws {
    var follower = try EngineSetup(id: 2, term: 2).engine()
    _ = follower.receive(.heartbeat(from: 1, to: 2, term: 2))
    try follower.requestRead(ReadRequestID(1))
    #expect(follower.flush().messages.compactMap(\.readIndexRequest).count == 1)
    _ = follower.tick(2)
    let resent = follower.tick(1).messages.compactMap(\.readIndexRequest)
    #expect(resent == [ReadIndexRequest(reads: [1])])
    let answer = Message(
      from: 1, to: 2, term: 2, body: .readIndexResponse(ReadIndexResponse(reads: [1], result: .confirmed(readIndex: 0)))
    )
    #expect(follower.receive(answer).readsReady == [ReadyRead(id: 1, index: 0)])
    #expect(follower.receive(answer).readsReady.isEmpty)  // the duplicate answer finds nothing
  }

  @Test("A one-node cluster serves a read without a round trip")
  func singleNodeServesAtOnce() throws {
    var engine = try EngineSetup(members: [1]).engine()
    engine.campaign()
    _ = engine.flush()
    #expect(engine.role == .leader)
    try engine.requestRead(ReadRequestID(1))
    #expect(engine.flush().readsReady == [ReadyRead(id: ReadRequestID(1), index: engine.commitIndex)])
  }

  @Test("A stale leader cut off in a minority never answers a read", arguments: [false, true])
  func staleLeaderNeverServes(checkQuorum: Bool) throws {
    var cluster = try LockstepCluster(size: 3) { $0.checkQuorum = checkQuorum }
    cluster.elect(1)
    try cluster.propose("x=1", at: 1)
    cluster.isolate(1)
    try cluster[1].requestRead(ReadRequestID(1))
    // The majority elects a new leader and commits a write the stale leader never sees.
    cluster.tick(30)
    let newLeader = try #require(cluster.leaders.first { $0 != 1 })
    try cluster.propose("x=2", at: newLeader)
    cluster.tick(10)
    #expect((cluster[1].role == .leader) == !checkQuorum)  // without check-quorum it still believes it leads
    #expect(cluster.readsReady[0].isEmpty)
    #expect(cluster.failedReads[0].map(\.id) == [ReadRequestID(1)])
    #expect(
      cluster.failedReads[0].allSatisfy { $0.error == .timedOut(ticks: 10) || $0.error == .leadershipLost })
  }

  @Test("Reads through a follower and the leader return a read index that covers every completed write")
  func readIndexCoversCompletedWrites() throws {
    var cluster = try LockstepCluster(size: 3)
    cluster.elect(1)
    let write = try cluster.propose("x=1", at: 1)
    try cluster[2].requestRead(ReadRequestID(1))
    try cluster[1].requestRead(ReadRequestID(2))
    cluster.settle()
    cluster.tick(2)
    #expect(cluster.readsReady[1].map(\.id) == [ReadRequestID(1)])
    #expect(cluster.readsReady[0].map(\.id) == [ReadRequestID(2)])
    #expect((cluster.readsReady[0] + cluster.readsReady[1]).allSatisfy { $0.index >= write })
    #expect(cluster.applied[1].last.map(\.index).map { $0 >= write } == true)
  }
}
