import Testing

@testable import Raft

/// Batching (pitfall 13): one replication stream per follower carrying what is pending, in
/// AppendEntries bounded in entries and bytes.
@Suite("Batching")
struct BatchingTests {
  private func leader(_ configure: (inout EngineSetup) -> Void = { _ in }) throws -> RaftEngine {
    var setup = EngineSetup()
    configure(&setup)
    return try setup.leader(replicating: [2, 3])
  }

  @Test("Pitfall 13: proposals made between two ready() calls travel in one AppendEntries per follower")
  func proposalsTravelTogether() throws {
    var engine = try leader()
    for command in ["a", "b", "c"] { try engine.propose(Array(command.utf8)) }
    let appends = engine.ready().messages.compactMap { message in message.appendEntries.map { (message.to, $0) } }
    #expect(appends.map(\.0) == [2, 3])
    #expect(appends.allSatisfy { $0.1.entries.map(\.index) == [2, 3, 4] })
  }

  @Test("Nothing is broadcast before ready(): proposing alone sends nothing")
  func proposalsWaitForReady() throws {
    var engine = try leader()
    try engine.propose([1])
    #expect(engine.outbox.isEmpty)
    #expect(engine.ready().messages.count == 2)
  }

  @Test("An AppendEntries carries at most maxEntriesPerAppend entries")
  func entryLimit() throws {
    var engine = try leader { $0.maxEntriesPerAppend = 3 }
    for _ in 0..<7 { try engine.propose([1]) }
    #expect(engine.flush().appends(to: 2).map(\.entries.count) == [3, 3, 1])
  }

  @Test("An AppendEntries carries at most maxBytesPerAppend payload bytes")
  func byteLimit() throws {
    var engine = try leader { $0.maxBytesPerAppend = 10 }
    for _ in 0..<5 { try engine.propose(Array(repeating: 1, count: 4)) }
    let appends = engine.flush().appends(to: 2)
    #expect(appends.map(\.entries.count) == [2, 2, 1])
    #expect(appends.allSatisfy { $0.entries.reduce(0) { $0 + $1.budgetBytes } <= 10 })
  }

  @Test("An entry larger than maxBytesPerAppend still travels, alone")
  func oversizedEntryTravelsAlone() throws {
    var engine = try leader { $0.maxBytesPerAppend = 10 }
    try engine.propose(Array(repeating: 1, count: 50))
    try engine.propose([1])
    #expect(engine.flush().appends(to: 2).map(\.entries.count) == [1, 1])
  }

  @Test("Batched AppendEntries chain: each starts where the previous one ended")
  func batchesChain() throws {
    var engine = try leader { $0.maxEntriesPerAppend = 2 }
    for _ in 0..<5 { try engine.propose([1]) }
    let appends = engine.flush().appends(to: 2)
    for (previous, next) in zip(appends, appends.dropFirst()) {
      #expect(next.prevLogIndex == previous.entries.last?.index)
      #expect(next.prevLogTerm == previous.entries.last?.term)
    }
    #expect(appends.flatMap(\.entries).map(\.index) == Array(stride(from: LogIndex(2), through: 6, by: 1)))
  }
}
