import Testing

@testable import Raft

/// Pitfall 14 (Figure 2: "updated on stable storage before responding to RPCs"): a message
/// that depends on a write leaves only once that write is acknowledged.
@Suite("Pitfall 14: messages wait for the writes they depend on")
struct PersistenceGatingTests {
  @Test("Pitfall 14: a vote leaves only once the vote is durable")
  func voteWaitsForItsWrite() throws {
    var engine = try EngineSetup(term: 5).engine()
    engine.step(.vote(from: 2, to: 1, term: 6, lastIndex: 0, lastTerm: 0))
    let ready = engine.ready()
    #expect(ready.messages.isEmpty)
    let write = try #require(ready.persistence)
    #expect(write.hardState == HardState(term: 6, votedFor: 2, commitIndex: 0))
    #expect(engine.ready().messages.isEmpty, "still not durable")
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.ready().messages == [.voteReply(from: 1, to: 2, term: 6, granted: true)])
  }

  @Test("Pitfall 14: a candidate's vote requests leave only once its new term and self-vote are durable")
  func voteRequestsWaitForNewTerm() throws {
    var engine = try EngineSetup(term: 5).engine()
    engine.campaign()
    let ready = engine.ready()
    #expect(ready.messages.isEmpty)
    let write = try #require(ready.persistence)
    #expect(write.hardState == HardState(term: 6, votedFor: 1, commitIndex: 0))
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.ready().messages.compactMap(\.voteRequest).count == 2)
  }

  @Test("Pitfall 14: an AppendEntries acknowledgement leaves only once the entries are durable")
  func appendAckWaitsForEntries() throws {
    var engine = try EngineSetup(term: 1).engine()
    engine.step(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1, 1])))
    let ready = engine.ready()
    #expect(ready.messages.isEmpty)
    let write = try #require(ready.persistence)
    #expect(write.entries.map(\.index) == [1, 2])
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.ready().messages.compactMap(\.appendResult) == [.accepted(matchIndex: 2)])
    #expect(engine.log.persistedIndex == 2)
  }

  @Test("Pitfall 14: a reply that changes nothing still waits for earlier writes it may rely on")
  func laterReplyWaitsBehindPendingWrite() throws {
    var engine = try EngineSetup(term: 1).engine()
    engine.step(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1, 1])))
    let first = try #require(engine.ready().persistence)
    // A duplicate of the same request: nothing new to write, but its acknowledgement covers the
    // entries of the first write.
    engine.step(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1, 1])))
    let second = engine.ready()
    #expect(second.persistence == nil)
    #expect(second.messages.isEmpty)
    engine.acknowledgePersisted(through: first.id)
    #expect(engine.ready().messages.compactMap(\.appendResult) == [.accepted(matchIndex: 2), .accepted(matchIndex: 2)])
  }

  @Test("Acknowledging one write releases only the messages that depend on it or earlier writes")
  func acknowledgementReleasesInOrder() throws {
    var engine = try EngineSetup(term: 1).engine()
    engine.step(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1])))
    let first = try #require(engine.ready().persistence)
    engine.step(.append(from: 2, to: 1, term: 1, prev: 1, prevTerm: 1, entries: TestLog.terms([1], from: 2)))
    let second = try #require(engine.ready().persistence)
    #expect(second.id > first.id)
    engine.acknowledgePersisted(through: first.id)
    #expect(engine.ready().messages.compactMap(\.appendResult) == [.accepted(matchIndex: 1)])
    #expect(engine.log.persistedIndex == 1)
    engine.acknowledgePersisted(through: second.id)
    #expect(engine.ready().messages.compactMap(\.appendResult) == [.accepted(matchIndex: 2)])
  }

  @Test("A leader's AppendEntries do not wait for its own write (it counts itself only once durable)")
  func leaderAppendsDoNotWait() throws {
    var engine = try EngineSetup().leader(replicating: [2, 3])
    try engine.propose(Array("x".utf8))
    let ready = engine.ready()
    #expect(ready.persistence != nil)
    #expect(ready.messages.compactMap(\.appendEntries).count == 2)
  }

  @Test("A new term learned from a message is written before any reply that carries it")
  func adoptedTermIsWrittenBeforeReply() throws {
    var engine = try EngineSetup(term: 1).engine()
    engine.step(.heartbeat(from: 2, to: 1, term: 3))
    let ready = engine.ready()
    #expect(ready.messages.isEmpty)
    let write = try #require(ready.persistence)
    #expect(write.hardState?.term == 3)
    engine.acknowledgePersisted(through: write.id)
    #expect(engine.ready().messages.map(\.term) == [3])
  }
}
