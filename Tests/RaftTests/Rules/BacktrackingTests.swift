import Testing

@testable import Raft

/// The two backtracking strategies as pure functions on hand-built logs, and the engine's use
/// of them (pitfall 12). Cases 1-3 are the MIT 6.824 XTerm / XIndex / XLen cases.
@Suite("Log backtracking")
struct BacktrackingTests {
  let leaderLog = TestLog.raftLog([4, 6, 6, 6])

  @Test("Decrement: no hint, and the next probe starts one entry earlier")
  func decrement() {
    let strategy = DecrementBacktracking()
    #expect(strategy.name == "decrement")
    #expect(strategy.conflictHint(rejecting: 3, in: TestLog.raftLog([4, 5, 5])) == nil)
    #expect(strategy.nextIndex(afterRejectionAt: 3, hint: nil, leaderLog: leaderLog) == 3)
    let hint = ConflictHint(conflictTerm: 5, firstIndexOfConflictTerm: 2, lastLogIndex: 3)
    #expect(strategy.nextIndex(afterRejectionAt: 3, hint: hint, leaderLog: leaderLog) == 3)
  }

  @Test("Conflict hint, follower side: XTerm, XIndex and XLen describe the follower's log")
  func followerHint() {
    let strategy = ConflictHintBacktracking()
    #expect(strategy.name == "conflict-hint")
    #expect(
      strategy.conflictHint(rejecting: 3, in: TestLog.raftLog([4, 5, 5]))
        == ConflictHint(conflictTerm: 5, firstIndexOfConflictTerm: 2, lastLogIndex: 3))
    #expect(
      strategy.conflictHint(rejecting: 3, in: TestLog.raftLog([4, 4, 4, 4, 4]))
        == ConflictHint(conflictTerm: 4, firstIndexOfConflictTerm: 1, lastLogIndex: 5))
    #expect(
      strategy.conflictHint(rejecting: 3, in: TestLog.raftLog([4]))
        == ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 1))
    #expect(
      strategy.conflictHint(rejecting: 5, in: TestLog.raftLog([]))
        == ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 0))
  }

  @Test("Conflict hint, case 1: the leader lacks XTerm, so it skips the follower's whole term (XIndex)")
  func leaderLacksConflictTerm() {
    let hint = ConflictHint(conflictTerm: 5, firstIndexOfConflictTerm: 2, lastLogIndex: 3)  // follower 4 5 5
    #expect(ConflictHintBacktracking().nextIndex(afterRejectionAt: 3, hint: hint, leaderLog: leaderLog) == 2)
  }

  @Test("Conflict hint, case 2: the leader holds XTerm, so it continues after its last entry of it")
  func leaderHoldsConflictTerm() {
    let hint = ConflictHint(conflictTerm: 4, firstIndexOfConflictTerm: 1, lastLogIndex: 3)  // follower 4 4 4
    #expect(ConflictHintBacktracking().nextIndex(afterRejectionAt: 3, hint: hint, leaderLog: leaderLog) == 2)
    let longer = TestLog.raftLog([4, 4, 4, 6, 6])
    #expect(ConflictHintBacktracking().nextIndex(afterRejectionAt: 4, hint: hint, leaderLog: longer) == 4)
  }

  @Test("Conflict hint, case 3: the follower's log is too short, so it continues after it (XLen)")
  func followerTooShort() {
    let hint = ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 1)  // follower 4
    #expect(ConflictHintBacktracking().nextIndex(afterRejectionAt: 3, hint: hint, leaderLog: leaderLog) == 2)
  }

  @Test("Conflict hint without a hint falls back to one entry earlier")
  func conflictHintWithoutHint() {
    #expect(ConflictHintBacktracking().nextIndex(afterRejectionAt: 3, hint: nil, leaderLog: leaderLog) == 3)
  }

  @Test("RaftLog's term queries on a hand-built log")
  func logQueries() {
    let log = TestLog.raftLog([1, 1, 3, 3, 3, 5])
    #expect(log.lastIndex(ofTerm: 3, atOrBelow: 6) == 5)
    #expect(log.lastIndex(ofTerm: 3, atOrBelow: 4) == 4)
    #expect(log.lastIndex(ofTerm: 2, atOrBelow: 6) == nil)
    #expect(log.lastIndex(ofTerm: 1, atOrBelow: 9) == 2)
    #expect(log.lastIndex(ofTerm: 0, atOrBelow: 6) == nil)
    #expect(log.firstIndex(ofTermAt: 5) == 3)
    #expect(log.firstIndex(ofTermAt: 2) == 1)
    #expect(log.firstIndex(ofTermAt: 6) == 6)
    #expect(log.term(at: 0) == .zero)
    #expect(log.term(at: 7) == nil)
    #expect(log.lastTerm == 5)
  }

  /// Figure 7 of the Raft paper: the leader of term 8 and six followers (a)-(f). Expected round
  /// trips per catch-up: the decrement walks back one entry at a time from index 10 to where
  /// the logs match; the hint needs one round trip per divergent term (plus the accepted one).
  static let figure7: [(name: String, terms: [UInt64], decrement: Int, conflictHint: Int)] = [
    ("a", [1, 1, 1, 4, 4, 5, 5, 6, 6], 2, 2),
    ("b", [1, 1, 1, 4], 7, 2),
    ("c", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], 0, 0),
    ("d", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], 0, 0),
    ("e", [1, 1, 1, 4, 4, 4, 4], 6, 3),
    ("f", [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], 8, 3),
  ]

  @Test(
    "Pitfall 12: Figure 7 followers converge; round trips per catch-up are counted",
    arguments: BacktrackingChoice.allCases, figure7.indices)
  func figure7Followers(choice: BacktrackingChoice, follower index: Int) throws {
    let (name, followerTerms, decrement, conflictHint) = Self.figure7[index]
    var leaderSetup = EngineSetup(term: 7, log: TestLog.terms([1, 1, 1, 4, 4, 5, 5, 6, 6, 6]))
    leaderSetup.backtracking = choice.strategy
    var leader = try leaderSetup.leader()
    #expect(leader.term == 8)
    var followerSetup = EngineSetup(id: 2, term: 7, log: TestLog.terms(followerTerms))
    followerSetup.backtracking = choice.strategy
    var follower = try followerSetup.engine()

    // The election's AppendEntries were dropped; a heartbeat reply makes the leader probe again.
    var toFollower = leader.receive(.heartbeatReply(from: 2, to: 1, term: 8)).messages(to: 2)
    for _ in 0..<100 where !toFollower.isEmpty {
      var toLeader: [Message] = []
      for message in toFollower { toLeader += follower.receive(message).messages(to: 1) }
      toFollower = []
      for message in toLeader { toFollower += leader.receive(message).messages(to: 2) }
    }
    #expect(toFollower.isEmpty, "\(choice) \(name): did not settle")
    #expect(
      follower.log.allEntries == leader.log.allEntries,
      "\(choice) \(name)")
    #expect(leader.peer(2)?.state == .replicate)
    let expected = choice == .decrement ? decrement : conflictHint
    #expect(leader.statistics.catchUpRoundTrips == expected, "\(choice) \(name)")
    #expect(leader.statistics.catchUps == (expected > 0 ? 1 : 0), "\(choice) \(name)")
  }

  /// A strategy that answers nonsense, to check the engine's clamp.
  struct FixedAnswerBacktracking: LogBacktracking {
    let answer: LogIndex
    var name: String { "fixed" }
    func conflictHint(rejecting rejectedIndex: LogIndex, in log: RaftLog) -> ConflictHint? { nil }
    func nextIndex(afterRejectionAt rejectedIndex: LogIndex, hint: ConflictHint?, leaderLog: RaftLog) -> LogIndex {
      answer
    }
  }

  @Test(
    "The engine clamps a strategy's answer between matchIndex + 1 and the rejected index",
    arguments: [(answer: 1000, prev: 4), (answer: 0, prev: 0), (answer: 3, prev: 2)] as [(UInt64, UInt64)])
  func engineClampsStrategy(answer: UInt64, prev: UInt64) throws {
    var setup = EngineSetup(term: 1, log: TestLog.terms([1, 1, 1, 1, 1]))
    setup.backtracking = FixedAnswerBacktracking(answer: LogIndex(answer))
    var engine = try setup.leader()
    let output = engine.receive(.rejected(from: 2, to: 1, term: 2, index: 5))
    #expect(output.appends(to: 2).map(\.prevLogIndex) == [LogIndex(prev)])
  }
}
