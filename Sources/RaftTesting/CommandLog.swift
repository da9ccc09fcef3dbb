import Raft

/// A state machine that records every command it applies: the simplest one to test a cluster
/// with. Its response to a command is a checksum of every command so far, so two nodes that
/// answer alike at an index applied the same history up to it.
///
/// It supports snapshots: a snapshot holds every command and the checksum, encoded with
/// ``Raft/SnapshotEncoder`` in small chunks, so even short histories stream as several chunks.
public struct CommandLog: StateMachine, Hashable, Sendable {
  /// The commands applied, in order.
  public private(set) var commands: [[UInt8]] = []
  /// FNV-1a over every command applied, each followed by a separator byte.
  public private(set) var checksum: UInt64 = 0xcbf2_9ce4_8422_2325

  /// An empty log.
  public init() {}

  public mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    commands.append(command)
    for byte in command + [0xFF] {
      checksum = (checksum ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return Array(String(checksum, radix: 16).utf8)
  }

  /// Writes the command count, the checksum, then each command.
  public func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    var encoder = SnapshotEncoder(writer: writer, bufferBytes: 64)
    try encoder.encode(UInt64(commands.count))
    try encoder.encode(checksum)
    for command in commands { try encoder.encode(bytes: command) }
    try encoder.finish()
    writer = encoder.writer
  }

  public mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    var decoder = SnapshotDecoder(reader: reader, chunkBytes: 64)
    let count = try decoder.decodeUInt64()
    let restoredChecksum = try decoder.decodeUInt64()
    var restored: [[UInt8]] = []
    for _ in 0..<count { restored.append(try decoder.decodeBytes()) }
    guard try decoder.isAtEnd() else { throw SnapshotError.malformed("bytes after the last command") }
    commands = restored
    checksum = restoredChecksum
  }
}
