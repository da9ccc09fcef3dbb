import Raft

/// The value of one register, with the log index of the write that stored it.
public struct RegisterValue: Hashable, Sendable, CustomStringConvertible {
  public var value: String
  /// Where the write that stored `value` is in the log: it orders writes, so a checker can tell
  /// a stale read from a fresh one.
  public var index: LogIndex

  public init(value: String, index: LogIndex) {
    self.value = value
    self.index = index
  }

  public var description: String { "'\(value)'@\(index)" }
}

/// A state machine whose registers a simulated client can read with a linearizable read
/// (``Simulation/startRead(of:on:)``), so the simulation can check every read
/// (``Invariant/linearizableReads``).
public protocol RegisterReadable: StateMachine {
  /// The register `key` as the state machine holds it now; nil if it was never written.
  func register(_ key: String) -> RegisterValue?
}

/// A key-value store of registers: the command `key=value` writes `value` to `key`; any other
/// command changes nothing. It answers a write with the value it replaced (empty if none).
public struct RegisterStore: RegisterReadable, Hashable, Sendable {
  /// Every register written, by key.
  public private(set) var registers: [String: RegisterValue] = [:]

  /// An empty store.
  public init() {}

  /// The command that writes `value` to `key`. `key` must not contain `=`.
  public static func write(_ value: String, to key: String) -> [UInt8] { Array("\(key)=\(value)".utf8) }

  /// The key and value a command writes, or nil if it is not a write.
  public static func parseWrite(_ command: [UInt8]) -> (key: String, value: String)? {
    guard let separator = command.firstIndex(of: UInt8(ascii: "=")),
      let key = String(validating: command[..<separator], as: UTF8.self),
      let value = String(validating: command[(separator + 1)...], as: UTF8.self)
    else { return nil }
    return (key, value)
  }

  public mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    guard let (key, value) = Self.parseWrite(command) else { return [] }
    let previous = registers.updateValue(RegisterValue(value: value, index: index), forKey: key)
    return Array((previous?.value ?? "").utf8)
  }

  public func register(_ key: String) -> RegisterValue? { registers[key] }

  /// Writes the register count, then each register (key, value, index) in key order, so equal
  /// stores write equal snapshots.
  public func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    var encoder = SnapshotEncoder(writer: writer, bufferBytes: 256)
    try encoder.encode(UInt64(registers.count))
    for key in registers.keys.sorted() {
      let register = registers[key]!
      try encoder.encode(bytes: Array(key.utf8))
      try encoder.encode(bytes: Array(register.value.utf8))
      try encoder.encode(register.index.rawValue)
    }
    try encoder.finish()
    writer = encoder.writer
  }

  public mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    var decoder = SnapshotDecoder(reader: reader, chunkBytes: 256)
    let count = try decoder.decodeUInt64()
    var restored: [String: RegisterValue] = [:]
    for _ in 0..<count {
      guard let key = String(validating: try decoder.decodeBytes(), as: UTF8.self),
        let value = String(validating: try decoder.decodeBytes(), as: UTF8.self)
      else { throw SnapshotError.malformed("a register that is not UTF-8") }
      restored[key] = RegisterValue(value: value, index: LogIndex(try decoder.decodeUInt64()))
    }
    guard try decoder.isAtEnd() else { throw SnapshotError.malformed("bytes after the last register") }
    registers = restored
  }
}
