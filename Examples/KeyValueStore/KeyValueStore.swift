import ExampleSupport
import RESP
import Raft

/// A replicated string key-value store: the state machine behind `raft-kv`.
///
/// Commands arrive as ``ServiceEntry`` bytes; each answer is a complete RESP reply. Writes of a
/// client session are applied once even when the server retries them (``SessionTable``).
public struct KeyValueStore: QueryableStateMachine, Hashable, Sendable {
  /// The data, readable by tests.
  public private(set) var values: [[UInt8]: [UInt8]] = [:]
  /// The client sessions seen so far.
  public private(set) var sessions = SessionTable()

  /// An empty state.
  public init() {}

  /// Applies a write once per session request: a retry gets the first answer back.
  private mutating func deduplicated(_ entry: ServiceEntry, _ body: (inout Self) -> [UInt8]) -> [UInt8] {
    SessionTable.applyOnce(entry, to: &self, sessions: \.sessions, write: body)
  }

  public mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    guard let entry = ServiceEntry(decoding: command) else { return Replies.malformedEntry }
    return apply(entry)
  }

  /// Applies one decoded entry (the server validated its arity with ``KeyValueService``).
  public mutating func apply(_ entry: ServiceEntry) -> [UInt8] {
    let arguments = entry.arguments
    switch (entry.name, arguments.count) {
    case ("GET", 2):
      return query(entry)
    case ("SET", 3), ("DEL", 2...), ("CAS", 4), ("INCR", 2):
      return deduplicated(entry) { $0.write(arguments).encoded }
    default:
      return Replies.unknownCommand(arguments).encoded
    }
  }

  /// `GET key`.
  public func query(_ entry: ServiceEntry) -> [UInt8] {
    guard entry.name == "GET", entry.arguments.count == 2 else {
      return Replies.unknownCommand(entry.arguments).encoded
    }
    return RESPValue.bulkString(values[entry.arguments[1]]).encoded
  }

  private mutating func write(_ arguments: [[UInt8]]) -> RESPValue {
    switch String(decoding: arguments[0], as: UTF8.self).uppercased() {
    case "SET":
      values[arguments[1]] = arguments[2]
      return .ok
    case "DEL":
      var removed: Int64 = 0
      for key in Set(arguments.dropFirst()) where values.removeValue(forKey: key) != nil { removed += 1 }
      return .integer(removed)
    case "CAS":
      // A missing key never matches, not even an empty expected value.
      guard let current = values[arguments[1]], current == arguments[2] else { return .integer(0) }
      values[arguments[1]] = arguments[3]
      return .integer(1)
    default:  // INCR
      let current = values[arguments[1]].map(Replies.integer) ?? 0
      guard let current, case (let next, false) = current.addingReportingOverflow(1) else {
        return Replies.notAnInteger
      }
      values[arguments[1]] = Array(String(next).utf8)
      return .integer(next)
    }
  }
}

/// The `raft-kv` commands: `SET`, `GET`, `DEL`, `CAS`, `INCR`.
public struct KeyValueService: ServiceDefinition {
  /// The service.
  public init() {}

  public var name: String { "raft-kv" }
  public var summary: String { "A replicated key-value store that speaks the Redis protocol." }
  public var exampleCommands: [String] { ["SET greeting hello", "GET greeting", "INCR visits", "INFO"] }

  public func makeStateMachine() -> KeyValueStore { KeyValueStore() }

  public func plan(_ arguments: [[UInt8]]) -> CommandPlan {
    let name = String(decoding: arguments[0], as: UTF8.self).uppercased()
    let arity: (Int) -> Bool
    let plan: CommandPlan
    switch name {
    case "GET": (arity, plan) = ({ $0 == 2 }, .read)
    case "SET": (arity, plan) = ({ $0 == 3 }, .write)
    case "DEL": (arity, plan) = ({ $0 >= 2 }, .write)
    case "CAS": (arity, plan) = ({ $0 == 4 }, .write)
    case "INCR": (arity, plan) = ({ $0 == 2 }, .write)
    default: return .reply(Replies.unknownCommand(arguments))
    }
    return arity(arguments.count) ? plan : .reply(Replies.wrongArity(arguments))
  }
}

extension KeyValueStore: StateCodable {
  public func encodedState() -> [UInt8] {
    var writer = StateWriter()
    sessions.encode(into: &writer)
    writer.write(UInt64(values.count))
    for (key, value) in values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
      writer.write(bytes: key)
      writer.write(bytes: value)
    }
    return writer.bytes
  }

  public mutating func restoreState(from bytes: [UInt8]) throws(StateDecodingError) {
    var reader = StateReader(bytes)
    let sessions = try SessionTable(from: &reader)
    var values: [[UInt8]: [UInt8]] = [:]
    for _ in 0..<(try reader.readCount(minimumItemBytes: 16)) {
      let key = try reader.readBytes()
      values[key] = try reader.readBytes()
    }
    try reader.expectEnd()
    self.sessions = sessions
    self.values = values
  }
}
