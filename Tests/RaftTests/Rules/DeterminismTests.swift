import Testing

@testable import Raft

/// The engine is a function of its seed and inputs: the same run, twice, is the same run.
@Suite("Determinism")
struct DeterminismTests {
  /// Elections by timer, proposals, lost messages: everything that could pick up hidden state.
  private func run(seed: UInt64) throws -> (trace: [String], states: [RaftStatus], applied: [[LogEntry]]) {
    var cluster = try LockstepCluster(size: 5, seed: seed) {
      $0.preVote = true
      $0.checkQuorum = true
      $0.maxEntriesPerAppend = 2
      $0.maxInflightAppends = 3
    }
    cluster.dropRate = 0.1
    for tick in 0..<150 {
      cluster.tick()
      if tick % 3 == 0, let leader = cluster.leaders.first {
        _ = try? cluster[leader].propose(Array("t\(tick)".utf8))
      }
      if tick == 60, let leader = cluster.leaders.first { cluster.isolate(leader) }
      if tick == 100 { cluster.heal() }
    }
    return (cluster.trace, cluster.ids.map { cluster[$0].status }, cluster.applied)
  }

  @Test(
    "The same seed and inputs give the same messages, states and applied entries", arguments: [1, 7, 42] as [UInt64])
  func sameSeedSameRun(seed: UInt64) throws {
    let first = try run(seed: seed)
    let second = try run(seed: seed)
    #expect(first.trace.count > 500, "seed \(seed): the run did too little to compare")
    #expect(first.applied.contains { $0.count > 5 }, "seed \(seed): nothing committed")
    #expect(first.trace == second.trace, "seed \(seed)")
    #expect(first.states == second.states, "seed \(seed)")
    #expect(first.applied == second.applied, "seed \(seed)")
  }

  @Test("Different seeds give different runs")
  func seedsMatter() throws {
    #expect(try run(seed: 1).trace != run(seed: 2).trace)
  }

  @Test("Two engines with the same seed and inputs produce identical Ready values step by step")
  func engineLevelDeterminism() throws {
    var setup = EngineSetup(term: 3, log: TestLog.terms([1, 2, 3]))
    setup.preVote = true
    setup.seed = 99
    var a = try setup.engine()
    var b = try setup.engine()
    for step in 0..<60 {
      a.tick()
      b.tick()
      if step % 7 == 0 {
        let message = Message.vote(from: 2, to: 1, term: Term(UInt64(4 + step / 7)), lastIndex: 3, lastTerm: 3)
        a.step(message)
        b.step(message)
      }
      let readyA = a.ready()
      let readyB = b.ready()
      #expect(readyA.messages == readyB.messages)
      #expect(readyA.persistence == readyB.persistence)
      if let write = readyA.persistence {
        a.acknowledgePersisted(through: write.id)
        b.acknowledgePersisted(through: write.id)
      }
    }
    #expect(a.status == b.status)
    #expect(a.randomizedElectionTimeout == b.randomizedElectionTimeout)
  }
}
