import Testing

@testable import Raft

/// Figure 2, AppendEntries receiver: the consistency check, truncation only at a real
/// conflict, and the follower's commit rule.
@Suite("Figure 2: AppendEntries consistency check and truncation")
struct AppendEntriesTests {
  /// A follower in term 2 (leader 2) whose log is 1@1 2@1 3@2 4@2, nothing committed.
  let follower = EngineSetup(term: 2, log: TestLog.terms([1, 1, 2, 2]))

  private func results(_ output: EngineOutput) -> [AppendResponse.Result] {
    output.messages(to: 2).compactMap(\.appendResult)
  }

  private func terms(_ log: RaftLog) -> [Term] {
    (1...max(1, log.lastIndex.rawValue)).compactMap { log.term(at: LogIndex($0)) }
  }

  @Test("Pitfalls 8 and 18: prevLogIndex 0 (term 0) always matches, even on an empty log")
  func sentinelAlwaysMatches() throws {
    var engine = try EngineSetup(term: 1).engine()
    #expect(engine.log.term(at: 0) == .zero)
    #expect(engine.log.firstIndex == 1)
    let output = engine.receive(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1])))
    #expect(results(output) == [.accepted(matchIndex: 1)])
    #expect(engine.log.entry(at: 1)?.index == 1)
  }

  @Test("Pitfall 8: a follower without an entry at prevLogIndex rejects and keeps its log")
  func missingPrevEntryIsRejected() throws {
    var engine = try follower.engine()
    let output = engine.receive(
      .append(from: 2, to: 1, term: 2, prev: 6, prevTerm: 2, entries: TestLog.terms([2], from: 7)))
    #expect(results(output).count == 1)
    guard case .rejected(let rejectedIndex, _) = results(output).first else {
      Issue.record("expected a rejection, got \(output.messages)")
      return
    }
    #expect(rejectedIndex == 6)
    #expect(terms(engine.log) == [1, 1, 2, 2])
  }

  @Test("Pitfall 8: a follower whose entry at prevLogIndex has another term rejects and keeps its log")
  func termMismatchIsRejected() throws {
    var engine = try follower.engine()
    let output = engine.receive(
      .append(from: 2, to: 1, term: 2, prev: 3, prevTerm: 1, entries: TestLog.terms([2], from: 4), commit: 4))
    guard case .rejected(let rejectedIndex, _) = results(output).first else {
      Issue.record("expected a rejection, got \(output.messages)")
      return
    }
    #expect(rejectedIndex == 3)
    #expect(terms(engine.log) == [1, 1, 2, 2])
    #expect(engine.commitIndex == 0)
  }

  @Test("A matching request appends its new entries and acknowledges exactly through them")
  func matchingRequestAppends() throws {
    var engine = try follower.engine()
    let output = engine.receive(
      .append(from: 2, to: 1, term: 2, prev: 4, prevTerm: 2, entries: TestLog.terms([2, 2], from: 5)))
    #expect(results(output) == [.accepted(matchIndex: 6)])
    #expect(terms(engine.log) == [1, 1, 2, 2, 2, 2])
    #expect(output.writes.flatMap(\.entries).map(\.index) == [5, 6])
  }

  @Test("Pitfall 9: a heartbeat (no entries) never truncates, and acknowledges only through prevLogIndex")
  func emptyAppendNeverTruncates() throws {
    var engine = try follower.engine()
    let output = engine.receive(.append(from: 2, to: 1, term: 2, prev: 2, prevTerm: 1))
    #expect(terms(engine.log) == [1, 1, 2, 2])
    // Entries 3 and 4 were not checked against the leader's log, so they are not acknowledged.
    #expect(results(output) == [.accepted(matchIndex: 2)])
    #expect(output.writes.allSatisfy { $0.entries.isEmpty })
  }

  @Test("Pitfall 9: a stale or duplicate AppendEntries never erases later entries")
  func duplicateAppendNeverTruncates() throws {
    var engine = try follower.engine()
    let output = engine.receive(.append(from: 2, to: 1, term: 2, prev: 0, prevTerm: 0, entries: TestLog.terms([1, 1])))
    #expect(terms(engine.log) == [1, 1, 2, 2])
    #expect(results(output) == [.accepted(matchIndex: 2)])
    #expect(output.writes.allSatisfy { $0.entries.isEmpty })
  }

  @Test("Pitfall 9: truncation happens only from the first real conflict on")
  func truncatesAtFirstConflict() throws {
    var engine = try follower.engine()
    // The leader of term 3 holds 1@1 2@1 3@2 4@3: entry 4 conflicts, entry 3 does not.
    let output = engine.receive(
      .append(from: 2, to: 1, term: 3, prev: 2, prevTerm: 1, entries: TestLog.terms([2, 3], from: 3)))
    #expect(terms(engine.log) == [1, 1, 2, 3])
    #expect(results(output) == [.accepted(matchIndex: 4)])
    // Storage is told to replace from the conflict on, and nothing earlier.
    #expect(output.writes.flatMap(\.entries).map(\.index) == [4])
    #expect(output.writes.flatMap(\.entries).map(\.term) == [3])
  }

  /// Every window of one leader's log, delivered in a shuffled order (stale, duplicated and
  /// reordered AppendEntries): the follower's log only ever grows and always matches the
  /// leader's, ending equal to it.
  @Test("Pitfall 9: reordered and duplicated AppendEntries of one leader only ever extend the log", arguments: 1...8)
  func reorderedAppendsOnlyExtend(seed: UInt64) throws {
    let leaderLog = TestLog.terms([1, 1, 2, 2, 2, 3, 3, 3])
    var windows: [Message] = []
    for start in 0..<leaderLog.count {
      for end in start...leaderLog.count {
        let prev = LogIndex(UInt64(start))
        let prevTerm = start == 0 ? Term.zero : leaderLog[start - 1].term
        windows.append(
          .append(from: 2, to: 1, term: 3, prev: prev, prevTerm: prevTerm, entries: Array(leaderLog[start..<end])))
      }
    }
    var random = SeededGenerator(seed: seed)
    windows.shuffle(using: &random)
    windows += windows.prefix(10)
    var engine = try EngineSetup(term: 3).engine()
    var lastIndex = LogIndex.zero
    for window in windows {
      _ = engine.receive(window)
      #expect(engine.log.lastIndex >= lastIndex, "seed \(seed): the log shrank after \(window)")
      lastIndex = engine.log.lastIndex
      for index in stride(from: LogIndex(1), through: lastIndex, by: 1) {
        #expect(engine.log.entry(at: index) == leaderLog[Int(index.rawValue) - 1], "seed \(seed)")
      }
    }
    #expect(lastIndex == 8, "seed \(seed)")
  }

  @Test("The follower commits min(leaderCommit, index of the last new entry)")
  func followerCommitIsCappedByLastNewEntry() throws {
    var setup = follower
    setup.log = TestLog.terms([1, 1, 1, 1, 1])
    var engine = try setup.engine()
    // Entries 3...5 are unverified leftovers; the leader's commit index 5 covers its own 3...5.
    let output = engine.receive(
      .append(from: 2, to: 1, term: 2, prev: 1, prevTerm: 1, entries: TestLog.terms([1], from: 2), commit: 5))
    #expect(engine.commitIndex == 2)
    #expect(output.committed.map(\.index) == [1, 2])
  }

  @Test("The follower commits up to the leader's commit index when it holds those entries")
  func followerCommitFollowsLeader() throws {
    var engine = try follower.engine()
    _ = engine.receive(.append(from: 2, to: 1, term: 2, prev: 4, prevTerm: 2, commit: 3))
    #expect(engine.commitIndex == 3)
    _ = engine.receive(.heartbeat(from: 2, to: 1, term: 2, commit: 4))
    #expect(engine.commitIndex == 4)
  }

  @Test("A request older than the commit index is answered with the commit index and changes nothing")
  func requestBelowCommitIndex() throws {
    var setup = follower
    setup.commitIndex = 3
    var engine = try setup.engine()
    let output = engine.receive(.append(from: 2, to: 1, term: 2, prev: 1, prevTerm: 1, entries: TestLog.terms([1])))
    #expect(results(output) == [.accepted(matchIndex: 3)])
    #expect(terms(engine.log) == [1, 1, 2, 2])
  }
}
