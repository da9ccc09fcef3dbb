import Raft

/// A state machine that records every command it applies: the simplest one to test a cluster
/// with. Its response to a command is a checksum of every command so far, so two nodes that
/// answer alike at an index applied the same history up to it.
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
}
