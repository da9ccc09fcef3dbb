import Testing

@testable import Raft

/// Flow control: a bounded window of AppendEntries and of bytes in flight per follower, a probe
/// state after a rejection or a silent follower, and a cap on uncommitted bytes.
@Suite("Flow control")
struct FlowControlTests {
  private func leader(_ configure: (inout EngineSetup) -> Void) throws -> RaftEngine {
    var setup = EngineSetup()
    configure(&setup)
    return try setup.leader(replicating: [2, 3])
  }

  private func propose(_ count: Int, bytes: Int, to engine: inout RaftEngine) throws {
    for _ in 0..<count { try engine.propose(Array(repeating: 0x61, count: bytes)) }
  }

  @Test("At most maxInflightAppends AppendEntries are in flight to one follower")
  func messageWindow() throws {
    var engine = try leader {
      $0.maxInflightAppends = 2
      $0.maxEntriesPerAppend = 1
    }
    try propose(5, bytes: 1, to: &engine)  // indexes 2...6
    let output = engine.flush()
    #expect(output.appends(to: 2).map { $0.entries.map(\.index) } == [[2], [3]])
    #expect(engine.peer(2)?.inflightAppends == 2)
    // Each acknowledgement frees one slot.
    let next = engine.receive(.accepted(from: 2, to: 1, term: 1, match: 2))
    #expect(next.appends(to: 2).map { $0.entries.map(\.index) } == [[4]])
    #expect(next.appends(to: 3).isEmpty, "node 3's window is still full")
  }

  @Test("Sending to a follower pauses once maxInflightBytes are in flight")
  func byteWindow() throws {
    var engine = try leader {
      $0.maxInflightBytes = 10
      $0.maxEntriesPerAppend = 1
    }
    try propose(5, bytes: 4, to: &engine)
    let output = engine.flush()
    // 0, 4 and 8 bytes in flight are below the limit; at 12 the follower pauses.
    #expect(output.appends(to: 2).count == 3)
    #expect(engine.peer(2)?.inflightBytes == 12)
    let next = engine.receive(.accepted(from: 2, to: 1, term: 1, match: 2))
    #expect(next.appends(to: 2).map { $0.entries.map(\.index) } == [[5]])
  }

  @Test("After a rejection the leader probes: one AppendEntries at a time until an answer")
  func probeAfterRejection() throws {
    var engine = try leader {
      $0.maxEntriesPerAppend = 1
      $0.backtracking = DecrementBacktracking()
    }
    try propose(2, bytes: 1, to: &engine)  // 2 and 3
    _ = engine.flush()
    #expect(engine.peer(2)?.state == .replicate)
    let output = engine.receive(.rejected(from: 2, to: 1, term: 1, index: 2))
    #expect(engine.peer(2)?.state == .probe)
    #expect(output.appends(to: 2).map(\.prevLogIndex) == [1])
    try propose(3, bytes: 1, to: &engine)
    let more = engine.flush()
    #expect(more.appends(to: 2).isEmpty, "a probe is outstanding")
    #expect(!more.appends(to: 3).isEmpty)
    // The probe's answer puts the follower back to streaming.
    let resumed = engine.receive(.accepted(from: 2, to: 1, term: 1, match: 2))
    #expect(engine.peer(2)?.state == .replicate)
    #expect(resumed.appends(to: 2).count >= 1)
  }

  @Test("A follower silent for a whole election timeout is probed instead of streamed to")
  func probeAfterSilence() throws {
    var engine = try leader { _ in }
    for _ in 0..<(2 * 10) {
      _ = engine.tick(1)
      _ = engine.receive(.heartbeatReply(from: 2, to: 1, term: 1))
    }
    #expect(engine.peer(2)?.state == .replicate)
    #expect(engine.peer(3)?.state == .probe)
  }

  @Test("A follower reported unreachable is probed")
  func probeWhenUnreachable() throws {
    var engine = try leader { _ in }
    engine.reportUnreachable(2)
    #expect(engine.peer(2)?.state == .probe)
    #expect(engine.peer(3)?.state == .replicate)
  }

  @Test("A heartbeat reply lets a stalled probe try again")
  func heartbeatReplyUnpausesProbe() throws {
    var engine = try leader { _ in }
    engine.reportUnreachable(2)
    try propose(1, bytes: 1, to: &engine)
    #expect(engine.flush().appends(to: 2).count == 1)
    try propose(1, bytes: 1, to: &engine)
    #expect(engine.flush().appends(to: 2).isEmpty)
    // The probe was lost; the follower still answers heartbeats.
    let output = engine.receive(.heartbeatReply(from: 2, to: 1, term: 1))
    #expect(output.appends(to: 2).count == 1)
  }

  @Test("A proposal past the uncommitted-bytes cap fails with a clear, retryable error")
  func uncommittedCap() throws {
    var engine = try EngineSetup(maxUncommittedBytes: 10).leader()
    try engine.propose(Array(repeating: 1, count: 6))
    #expect(throws: ProposalError.uncommittedLogFull(limitBytes: 10)) {
      try engine.propose(Array(repeating: 1, count: 5))
    }
    let error = ProposalError.uncommittedLogFull(limitBytes: 10)
    #expect(error.isRetryable)
    #expect(error.description == "the leader holds its limit of 10 uncommitted bytes; retry later")
    let last = try engine.propose(Array(repeating: 1, count: 4))  // exactly at the cap
    #expect(throws: ProposalError.uncommittedLogFull(limitBytes: 10)) { try engine.propose([1]) }
    // Once the entries commit, their bytes are released.
    _ = engine.flush()
    _ = engine.receive(.accepted(from: 2, to: 1, term: 1, match: last))
    #expect(engine.commitIndex == last)
    #expect((try? engine.propose(Array(repeating: 1, count: 10))) != nil)
  }

  @Test("A single proposal larger than the cap is accepted when nothing is uncommitted")
  func oversizedProposalAlone() throws {
    var engine = try EngineSetup(maxUncommittedBytes: 10).leader()
    #expect((try? engine.propose(Array(repeating: 1, count: 50))) != nil)
    #expect(throws: ProposalError.uncommittedLogFull(limitBytes: 10)) { try engine.propose([1]) }
  }

  @Test("A follower refuses proposals, naming the leader it knows")
  func followerRefusesProposals() throws {
    var engine = try EngineSetup(term: 1).engine()
    #expect(throws: ProposalError.notLeader(leaderHint: nil)) { try engine.propose([1]) }
    #expect(ProposalError.notLeader(leaderHint: nil).description == "not the leader and no leader is known")
    _ = engine.receive(.heartbeat(from: 3, to: 1, term: 1))
    #expect(throws: ProposalError.notLeader(leaderHint: 3)) { try engine.propose([1]) }
    #expect(ProposalError.notLeader(leaderHint: 3).description == "not the leader; the leader is node 3")
    #expect(ProposalError.notLeader(leaderHint: 3).isRetryable)
  }
}
