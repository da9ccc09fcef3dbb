import Raft
import Synchronization

/// A memory storage whose writes, while the gate is closed, stay undurable: their completions
/// wait until ``open()``, as a slow fsync's would.
final class GatedStorage: Storage {
  private struct State {
    var closed = false
    var waiting: [@Sendable (Result<Void, any Error>) -> Void] = []
  }

  let inner = MemoryStorage()
  private let state = Mutex(State())

  func recover() throws -> PersistentState { try inner.recover() }

  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
    inner.persist(request) { [self] result in
      let runNow = state.withLock { state -> Bool in
        guard state.closed else { return true }
        state.waiting.append({ _ in completion(result) })
        return false
      }
      if runNow { completion(result) }
    }
  }

  /// Holds completions from now on.
  func close() { state.withLock { $0.closed = true } }

  /// How many writes wait for the gate.
  var waitingCount: Int { state.withLock { $0.waiting.count } }

  /// Completes the held writes, in order, and lets later ones complete at once.
  func open() {
    let waiting = state.withLock { state in
      defer {
        state.waiting.removeAll()
        state.closed = false
      }
      return state.waiting
    }
    for completion in waiting { completion(.success(())) }
  }
}
