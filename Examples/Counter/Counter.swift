import ExampleSupport
import RESP
import Raft

/// One replicated 64-bit counter: the state machine behind `raft-counter`, and the smallest
/// example of a state machine (see the README's walkthrough).
public struct Counter: QueryableStateMachine, Hashable, Sendable {
  /// The current value.
  public private(set) var value: Int64 = 0
  private var sessions = SessionTable()

  /// An empty state.
  public init() {}

  /// Applies a write once per session request: a retry gets the first answer back.
  private mutating func deduplicated(_ entry: ServiceEntry, _ body: (inout Self) -> [UInt8]) -> [UInt8] {
    SessionTable.applyOnce(entry, to: &self, sessions: \.sessions, write: body)
  }

  public mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    guard let entry = ServiceEntry(decoding: command) else { return Replies.malformedEntry }
    if entry.name == "GET" { return query(entry) }
    // Retried writes of a session return their first answer instead of counting twice.
    return deduplicated(entry) { $0.add(entry).encoded }
  }

  /// `GET`.
  public func query(_ entry: ServiceEntry) -> [UInt8] {
    entry.name == "GET" ? RESPValue.integer(value).encoded : Replies.unknownCommand(entry.arguments).encoded
  }

  private mutating func add(_ entry: ServiceEntry) -> RESPValue {
    let delta: Int64?
    switch entry.name {
    case "INCR": delta = 1
    case "DECR": delta = -1
    case "INCRBY": delta = entry.arguments.count == 2 ? Replies.integer(entry.arguments[1]) : nil
    default: return Replies.unknownCommand(entry.arguments)
    }
    guard let delta else { return Replies.notAnInteger }
    let (sum, overflow) = value.addingReportingOverflow(delta)
    guard !overflow else { return .error("ERR increment or decrement would overflow") }
    value = sum
    return .integer(sum)
  }
}

/// The `raft-counter` commands: `INCR`, `INCRBY n`, `DECR`, `GET`.
public struct CounterService: ServiceDefinition {
  /// The service.
  public init() {}

  public var name: String { "raft-counter" }
  public var summary: String { "One replicated counter that speaks the Redis protocol." }
  public var exampleCommands: [String] { ["INCR", "INCRBY 10", "GET"] }

  public func makeStateMachine() -> Counter { Counter() }

  public func plan(_ arguments: [[UInt8]]) -> CommandPlan {
    switch (String(decoding: arguments[0], as: UTF8.self).uppercased(), arguments.count) {
    case ("GET", 1): .read
    case ("INCR", 1), ("DECR", 1): .write
    case ("INCRBY", 2): Replies.integer(arguments[1]) == nil ? .reply(Replies.notAnInteger) : .write
    case ("GET", _), ("INCR", _), ("DECR", _), ("INCRBY", _): .reply(Replies.wrongArity(arguments))
    default: .reply(Replies.unknownCommand(arguments))
    }
  }
}

extension Counter: StateCodable {
  public func encodedState() -> [UInt8] {
    var writer = StateWriter()
    writer.write(value)
    sessions.encode(into: &writer)
    return writer.bytes
  }

  public mutating func restoreState(from bytes: [UInt8]) throws(StateDecodingError) {
    var reader = StateReader(bytes)
    let value = try reader.readInt64()
    let sessions = try SessionTable(from: &reader)
    try reader.expectEnd()
    self.value = value
    self.sessions = sessions
  }
}
