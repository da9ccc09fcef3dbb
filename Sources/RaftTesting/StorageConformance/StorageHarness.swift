import Raft
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a conformance check works with: the storage at its place, reopened on demand, and
/// helpers that wait for completions.
final class StorageHarness: Sendable {
  let factory: StorageFactory
  let place: String
  let checkName: String
  private let current = Mutex<(any Storage)?>(nil)
  private let nextRequestID = Mutex<UInt64>(1)

  init(factory: StorageFactory, place: String, checkName: String) {
    self.factory = factory
    self.place = place
    self.checkName = checkName
  }

  /// The open storage (opening it on first use).
  func storage() throws -> any Storage {
    if let storage = current.withLock({ $0 }) { return storage }
    let storage = try factory.open(place)
    current.withLock { $0 = storage }
    return storage
  }

  /// Closes the storage and opens the place again, as a restart would.
  @discardableResult
  func reopen() throws -> any Storage {
    closeAll()
    return try storage()
  }

  func closeAll() {
    if let storage = current.withLock({ state in
      defer { state = nil }
      return state
    }) {
      factory.close(storage)
    }
  }

  func fail(_ message: String) -> StorageConformanceFailure {
    StorageConformanceFailure(check: checkName, message: message)
  }

  func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw fail(message()) }
  }

  func request(hardState: HardState? = nil, entries: [LogEntry] = []) -> PersistenceRequest {
    let id = nextRequestID.withLock { id in
      defer { id += 1 }
      return id
    }
    return PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: entries)
  }

  /// Persists `requests` back to back, without waiting in between, then waits for all of them;
  /// fails unless every one completed successfully, exactly once, in order.
  func persistAll(_ requests: [PersistenceRequest]) throws {
    let storage = try storage()
    let tracker = CompletionTracker()
    for request in requests { storage.persist(request, completion: tracker.completion(for: request.id.rawValue)) }
    try tracker.waitForCompletions(requests.count, harness: self)
    let expected = requests.map(\.id.rawValue)
    try expect(tracker.completed == expected, "completions ran in order \(tracker.completed), expected \(expected)")
    if let error = tracker.firstError { throw fail("a request failed: \(error)") }
  }

  func persist(hardState: HardState? = nil, entries: [LogEntry] = []) throws {
    try persistAll([request(hardState: hardState, entries: entries)])
  }

  func recover() throws -> PersistentState { try storage().recover() }
}

/// Collects completions, which may run on any thread.
final class CompletionTracker: Sendable {
  private struct State {
    var completed: [UInt64] = []
    var firstError: (any Error)?
  }
  private let state = Mutex(State())

  var completed: [UInt64] { state.withLock { $0.completed } }
  var firstError: (any Error)? { state.withLock { $0.firstError } }

  func completion(for id: UInt64) -> @Sendable (Result<Void, any Error>) -> Void {
    { result in
      self.state.withLock { state in
        state.completed.append(id)
        if case .failure(let error) = result, state.firstError == nil { state.firstError = error }
      }
    }
  }

  /// Waits (up to ten seconds) until `count` completions ran.
  func waitForCompletions(_ count: Int, harness: StorageHarness) throws {
    var waited = 0
    while state.withLock({ $0.completed.count }) < count {
      if waited >= 10_000 {
        throw harness.fail("only \(completed.count) of \(count) completions ran within 10 s")
      }
      usleep(1_000)
      waited += 1
    }
  }
}
