import ExampleSupport
import RESP
import Raft

/// Replicated named locks with leases and fencing tokens: the state machine behind `raft-lock`.
///
/// Every grant gets a fencing token larger than every earlier grant's, so a resource that
/// remembers the largest token it has seen can refuse a former holder whose lease ran out.
///
/// Time is the leader's clock as written into each entry (``ServiceEntry/timestampMilliseconds``),
/// never a replica's own, so every replica expires a lease at the same entry. The clock the
/// machine uses never goes back, even if a new leader's clock is behind the old one's.
public struct LockService: QueryableStateMachine, Hashable, Sendable {
  /// One held lock.
  public struct Lease: Hashable, Sendable {
    /// Who holds it.
    public var owner: [UInt8]
    /// The fencing token of its grant.
    public var token: Int64
    /// When the lease ends, in the log's clock.
    public var expiresAtMilliseconds: UInt64
  }

  /// The locks granted and not released (some may have expired).
  public private(set) var leases: [[UInt8]: Lease] = [:]
  /// The log's clock: the largest leader timestamp applied so far.
  public private(set) var nowMilliseconds: UInt64 = 0
  private var lastToken: Int64 = 0
  private var sessions = SessionTable()

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

  /// Applies one decoded entry.
  public mutating func apply(_ entry: ServiceEntry) -> [UInt8] {
    nowMilliseconds = max(nowMilliseconds, entry.timestampMilliseconds)
    let arguments = entry.arguments
    switch (entry.name, arguments.count) {
    case ("OWNER", 2):
      return query(entry)
    case ("LOCK", 4), ("UNLOCK", 3):
      return deduplicated(entry) { $0.write(arguments).encoded }
    default:
      return Replies.unknownCommand(arguments).encoded
    }
  }

  /// The lease on `name` if one is held and not expired at `time` (by default the log's clock).
  public func liveLease(_ name: [UInt8], at time: UInt64? = nil) -> Lease? {
    guard let lease = leases[name], lease.expiresAtMilliseconds > max(nowMilliseconds, time ?? 0) else { return nil }
    return lease
  }

  /// `OWNER name`: the holder at the later of the log's clock and the entry's.
  public func query(_ entry: ServiceEntry) -> [UInt8] {
    guard entry.name == "OWNER", entry.arguments.count == 2 else {
      return Replies.unknownCommand(entry.arguments).encoded
    }
    return RESPValue.bulkString(liveLease(entry.arguments[1], at: entry.timestampMilliseconds)?.owner).encoded
  }

  private mutating func write(_ arguments: [[UInt8]]) -> RESPValue {
    let name = arguments[1]
    let owner = arguments[2]
    if entryName(arguments) == "UNLOCK" {
      guard let lease = liveLease(name), lease.owner == owner else { return .integer(0) }
      leases[name] = nil
      return .integer(1)
    }
    guard let ttl = Replies.integer(arguments[3]), ttl > 0 else { return Replies.notAnInteger }
    if let lease = liveLease(name), lease.owner != owner { return .null }
    // A grant to the holder itself renews the lease with a new token, like any grant.
    lastToken += 1
    let expiry = nowMilliseconds.addingReportingOverflow(UInt64(ttl))
    leases[name] = Lease(
      owner: owner, token: lastToken, expiresAtMilliseconds: expiry.overflow ? .max : expiry.partialValue)
    return .integer(lastToken)
  }

  private func entryName(_ arguments: [[UInt8]]) -> String {
    String(decoding: arguments[0], as: UTF8.self).uppercased()
  }
}

/// The `raft-lock` commands: `LOCK name owner ttl_ms`, `UNLOCK name owner`, `OWNER name`.
public struct LockServiceDefinition: ServiceDefinition {
  /// The service.
  public init() {}

  public var name: String { "raft-lock" }
  public var summary: String { "Replicated locks with leases and fencing tokens that speak the Redis protocol." }
  public var exampleCommands: [String] { ["LOCK printer alice 10000", "OWNER printer", "UNLOCK printer alice"] }

  public func makeStateMachine() -> LockService { LockService() }

  public func plan(_ arguments: [[UInt8]]) -> CommandPlan {
    switch (String(decoding: arguments[0], as: UTF8.self).uppercased(), arguments.count) {
    case ("OWNER", 2): .read
    case ("UNLOCK", 3): .write
    case ("LOCK", 4):
      (Replies.integer(arguments[3]).map { $0 > 0 } ?? false) ? .write : .reply(Replies.notAnInteger)
    case ("OWNER", _), ("UNLOCK", _), ("LOCK", _): .reply(Replies.wrongArity(arguments))
    default: .reply(Replies.unknownCommand(arguments))
    }
  }
}

extension LockService: StateCodable {
  public func encodedState() -> [UInt8] {
    var writer = StateWriter()
    writer.write(nowMilliseconds)
    writer.write(lastToken)
    sessions.encode(into: &writer)
    writer.write(UInt64(leases.count))
    for (name, lease) in leases.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
      writer.write(bytes: name)
      writer.write(bytes: lease.owner)
      writer.write(lease.token)
      writer.write(lease.expiresAtMilliseconds)
    }
    return writer.bytes
  }

  public mutating func restoreState(from bytes: [UInt8]) throws(StateDecodingError) {
    var reader = StateReader(bytes)
    let now = try reader.readUInt64()
    let lastToken = try reader.readInt64()
    let sessions = try SessionTable(from: &reader)
    var leases: [[UInt8]: Lease] = [:]
    for _ in 0..<(try reader.readCount(minimumItemBytes: 32)) {
      let name = try reader.readBytes()
      leases[name] = Lease(
        owner: try reader.readBytes(), token: try reader.readInt64(), expiresAtMilliseconds: try reader.readUInt64())
    }
    try reader.expectEnd()
    (self.nowMilliseconds, self.lastToken, self.sessions, self.leases) = (now, lastToken, sessions, leases)
  }
}
