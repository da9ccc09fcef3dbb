import Synchronization

/// A ``Storage`` in memory that models durability honestly: a write is durable only once
/// ``sync()`` ran after it (or at once, with ``SyncMode/immediate``), and ``crash()`` keeps
/// exactly what was durable.
public final class MemoryStorage: Storage {
  /// When writes become durable.
  public enum SyncMode: Sendable {
    /// Every write is durable when ``persist(_:completion:)`` returns; its completion runs inside.
    case immediate
    /// Writes wait for a call to ``sync()``, as they would for an fsync.
    case manual
  }

  private struct Contents: Sendable {
    var hardState = HardState()
    var entries: [LogEntry] = []

    mutating func apply(_ request: PersistenceRequest) {
      if let hardState = request.hardState { self.hardState = hardState }
      guard let first = request.entries.first else { return }
      precondition(first.index.rawValue >= 1 && first.index.rawValue <= UInt64(entries.count) + 1, "gap in the log")
      entries.removeSubrange(Int(first.index.rawValue - 1)...)
      entries.append(contentsOf: request.entries)
    }
  }

  private struct State: Sendable {
    var durable = Contents()
    var volatile = Contents()
    var waiting: [@Sendable (Result<Void, any Error>) -> Void] = []
  }

  private let state: Mutex<State>
  private let mode: SyncMode

  public init(mode: SyncMode = .immediate, initial: PersistentState = PersistentState()) {
    let contents = Contents(hardState: initial.hardState, entries: initial.entries)
    state = Mutex(State(durable: contents, volatile: contents))
    self.mode = mode
  }

  public func recover() throws -> PersistentState {
    state.withLock { PersistentState(hardState: $0.durable.hardState, entries: $0.durable.entries) }
  }

  public func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
  {
    state.withLock {
      $0.volatile.apply(request)
      $0.waiting.append(completion)
    }
    if mode == .immediate { sync() }
  }

  /// Makes every write so far durable and runs their completions, in order.
  public func sync() {
    let completions = state.withLock { state in
      state.durable = state.volatile
      defer { state.waiting.removeAll() }
      return state.waiting
    }
    for completion in completions { completion(.success(())) }
  }

  /// Forgets every write that was not durable; their completions never run.
  public func crash() {
    state.withLock {
      $0.volatile = $0.durable
      $0.waiting.removeAll()
    }
  }

  /// Writes awaiting ``sync()``.
  public var unsyncedWriteCount: Int { state.withLock { $0.waiting.count } }

  /// What a crash now would keep.
  public var durableState: PersistentState {
    state.withLock { PersistentState(hardState: $0.durable.hardState, entries: $0.durable.entries) }
  }
}
