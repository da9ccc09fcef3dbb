import Synchronization
import Testing

@testable import Raft

/// MemoryStorage models durability honestly: only synced writes survive a crash, requests
/// complete in order, and entries replace the stored ones from their first index on.
@Suite("MemoryStorage")
struct MemoryStorageTests {
  /// Records completions, which may run on any thread.
  final class CompletionLog: Sendable {
    private let ids = Mutex<[UInt64]>([])
    var completed: [UInt64] { ids.withLock { $0 } }

    func completion(for id: UInt64) -> @Sendable (Result<Void, any Error>) -> Void {
      { result in
        if case .success = result { self.ids.withLock { $0.append(id) } }
      }
    }
  }

  private func request(_ id: UInt64, hardState: HardState? = nil, entries: [LogEntry] = []) -> PersistenceRequest {
    PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: entries)
  }

  @Test("Immediate mode: a write is durable and completed before persist returns")
  func immediateMode() throws {
    let storage = MemoryStorage(mode: .immediate)
    let log = CompletionLog()
    storage.persist(
      request(1, hardState: HardState(term: 2, votedFor: 3), entries: TestLog.terms([1, 2])),
      completion: log.completion(for: 1))
    #expect(log.completed == [1])
    storage.crash()
    let recovered = try storage.recover()
    #expect(recovered.hardState == HardState(term: 2, votedFor: 3))
    #expect(recovered.entries == TestLog.terms([1, 2]))
  }

  @Test("Manual mode: a crash keeps exactly the writes synced before it")
  func crashKeepsOnlySyncedWrites() throws {
    let storage = MemoryStorage(mode: .manual)
    let log = CompletionLog()
    storage.persist(
      request(1, hardState: HardState(term: 1), entries: TestLog.terms([1])), completion: log.completion(for: 1))
    storage.sync()
    storage.persist(
      request(2, hardState: HardState(term: 2, votedFor: 1), entries: TestLog.terms([2], from: 2)),
      completion: log.completion(for: 2))
    #expect(storage.unsyncedWriteCount == 1)
    #expect(storage.durableState.entries.count == 1)
    storage.crash()
    #expect(log.completed == [1], "an unsynced write never completes")
    let recovered = try storage.recover()
    #expect(recovered.hardState == HardState(term: 1))
    #expect(recovered.entries == TestLog.terms([1]))
    #expect(storage.unsyncedWriteCount == 0)
    storage.sync()
    #expect(log.completed == [1], "a crashed write's completion never runs later")
    // Writes after the crash build on what survived, never on what was lost.
    storage.persist(request(3, hardState: HardState(term: 3)), completion: log.completion(for: 3))
    storage.sync()
    #expect(try storage.recover().entries == TestLog.terms([1]))
    #expect(log.completed == [1, 3])
  }

  @Test("sync() completes waiting writes in the order they were issued")
  func completionOrder() {
    let storage = MemoryStorage(mode: .manual)
    let log = CompletionLog()
    for id: UInt64 in 1...4 {
      storage.persist(request(id, entries: TestLog.terms([1], from: LogIndex(id))), completion: log.completion(for: id))
    }
    #expect(log.completed.isEmpty)
    storage.sync()
    #expect(log.completed == [1, 2, 3, 4])
    #expect(storage.durableState.entries.map(\.index) == [1, 2, 3, 4])
  }

  @Test("Entries that overlap stored ones replace them from their first index on")
  func overlappingEntriesTruncate() throws {
    let storage = MemoryStorage()
    let log = CompletionLog()
    storage.persist(request(1, entries: TestLog.terms([1, 1, 1, 1])), completion: log.completion(for: 1))
    storage.persist(request(2, entries: TestLog.terms([2], from: 3)), completion: log.completion(for: 2))
    #expect(try storage.recover().entries.map(\.term) == [1, 1, 2])
    storage.persist(request(3, entries: TestLog.terms([2, 2], from: 4)), completion: log.completion(for: 3))
    #expect(try storage.recover().entries.map(\.term) == [1, 1, 2, 2, 2])
  }

  @Test("A request without a hard state keeps the stored one")
  func hardStateIsKeptWhenAbsent() throws {
    let storage = MemoryStorage()
    let log = CompletionLog()
    storage.persist(
      request(1, hardState: HardState(term: 4, votedFor: 2, commitIndex: 1)), completion: log.completion(for: 1))
    storage.persist(request(2, entries: TestLog.terms([4])), completion: log.completion(for: 2))
    #expect(try storage.recover().hardState == HardState(term: 4, votedFor: 2, commitIndex: 1))
  }

  @Test("Initial state is durable from the start")
  func initialState() throws {
    let initial = PersistentState(hardState: HardState(term: 3), entries: TestLog.terms([1, 3]))
    let storage = MemoryStorage(mode: .manual, initial: initial)
    storage.crash()
    #expect(try storage.recover() == initial)
  }

  @Test("An engine restarted from storage after a crash has lost nothing it acknowledged")
  func engineOverStorage() throws {
    let setup = EngineSetup(term: 1)
    let storage = MemoryStorage(mode: .manual, initial: setup.persistentState)
    var engine = try setup.engine()
    engine.step(.append(from: 2, to: 1, term: 1, prev: 0, prevTerm: 0, entries: TestLog.terms([1, 1])))
    let first = try #require(engine.ready().persistence)
    let acknowledged = Mutex<[PersistenceID]>([])
    storage.persist(first) { _ in acknowledged.withLock { $0.append(first.id) } }
    storage.sync()
    for id in acknowledged.withLock({ $0 }) { engine.acknowledgePersisted(through: id) }
    let sent = engine.ready().messages.compactMap(\.appendResult)
    #expect(sent == [.accepted(matchIndex: 2)])
    engine.step(.append(from: 2, to: 1, term: 1, prev: 2, prevTerm: 1, entries: TestLog.terms([1], from: 3)))
    let second = try #require(engine.ready().persistence)
    storage.persist(second) { _ in acknowledged.withLock { $0.append(second.id) } }
    #expect(engine.ready().messages.isEmpty, "entry 3 is not acknowledged before it is durable")
    storage.crash()
    let restarted = RaftEngine(
      configuration: try EngineSetup().configuration(), restoring: try storage.recover(), seed: 1)
    #expect(restarted.log.lastIndex == 2, "what was acknowledged survived; what was not may be gone")
    #expect(restarted.term == 1)
  }
}
