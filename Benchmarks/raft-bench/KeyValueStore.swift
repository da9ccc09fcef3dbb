import Raft

/// The benchmark's key-value state machine: a command is `key length (UInt64 LE) ++ key ++
/// value` and sets the key. Its snapshot streams every pair through ``SnapshotEncoder``.
struct KeyValueStore: StateMachine, Equatable {
  private(set) var pairs: [[UInt8]: [UInt8]] = [:]

  static func command(key: [UInt8], value: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: UInt64(key.count).littleEndian) { Array($0) } + key + value
  }

  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    guard command.count >= 8 else { return Array("bad command".utf8) }
    var length = 0
    for shift in 0..<8 { length |= Int(command[shift]) << (8 * shift) }
    guard length <= command.count - 8 else { return Array("bad command".utf8) }
    pairs[Array(command[8..<(8 + length)])] = Array(command[(8 + length)...])
    return []
  }

  func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    var encoder = SnapshotEncoder(writer: writer)
    try encoder.encode(UInt64(pairs.count))
    for (key, value) in pairs {
      try encoder.encode(bytes: key)
      try encoder.encode(bytes: value)
    }
    try encoder.finish()
    writer = encoder.writer
  }

  mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    var decoder = SnapshotDecoder(reader: reader)
    let count = try decoder.decodeUInt64()
    var restored: [[UInt8]: [UInt8]] = [:]
    restored.reserveCapacity(Int(min(count, 1 << 32)))
    for _ in 0..<count {
      let key = try decoder.decodeBytes()
      restored[key] = try decoder.decodeBytes()
    }
    guard try decoder.isAtEnd() else { throw SnapshotError.malformed("bytes after the last pair") }
    pairs = restored
  }
}
