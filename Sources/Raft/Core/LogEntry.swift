/// What a log entry means to the engine.
public enum EntryKind: UInt8, Hashable, Sendable, CustomStringConvertible {
  /// A user command, handed to the ``StateMachine`` once committed.
  case command = 0
  /// The empty entry a new leader appends so that it can commit entries of earlier terms.
  case noop = 1
  /// A cluster membership change (reserved for membership changes; not applied to the state machine).
  case configuration = 2

  public var description: String {
    switch self {
    case .command: "cmd"
    case .noop: "noop"
    case .configuration: "conf"
    }
  }
}

/// One entry of the replicated log.
public struct LogEntry: Hashable, Sendable, CustomStringConvertible {
  public var index: LogIndex
  public var term: Term
  public var kind: EntryKind
  public var payload: [UInt8]

  public init(index: LogIndex, term: Term, kind: EntryKind = .command, payload: [UInt8] = []) {
    self.index = index
    self.term = term
    self.kind = kind
    self.payload = payload
  }

  /// The size this entry counts for in byte budgets (batching, flow control, uncommitted cap).
  @inlinable public var budgetBytes: Int { payload.count }

  public var description: String {
    switch kind {
    case .command: "\(index)@\(term) \(String(decoding: payload, as: UTF8.self))"
    default: "\(index)@\(term) \(kind)"
    }
  }
}
