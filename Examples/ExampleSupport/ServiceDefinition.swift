import RESP
import Raft

/// What the server should do with one client command.
public enum CommandPlan: Hashable, Sendable {
  /// Answer at once, without the log: bad arity, unknown commands, constant replies.
  case reply(RESPValue)
  /// Replicate the command and answer with the state machine's response.
  case write
  /// Answer linearizably from the state machine without changing it.
  case read
}

/// A state machine that answers reads without changing: what a linearizable read (ReadIndex)
/// runs against the local replica once it is known to be current, and what a read that went
/// through the log returns (the examples serve reads through ReadIndex).
public protocol QueryableStateMachine: StateMachine {
  /// Answers a ``CommandPlan/read`` command as a complete RESP reply. `entry.timestampMilliseconds`
  /// is the serving node's clock for a ReadIndex read, or the leader's for a read in the log.
  func query(_ entry: ServiceEntry) -> [UInt8]
}

/// A replicated service the example server runs: its state machine and its commands.
///
/// The state machine receives ``ServiceEntry`` bytes and answers with a complete RESP reply
/// (for example `+OK\r\n`), which the server sends to the client unchanged.
public protocol ServiceDefinition: Sendable {
  associatedtype Machine: QueryableStateMachine & StateCodable

  /// The executable's name, for messages (`raft-kv`).
  var name: String { get }
  /// One line that says what the service does, for `--help`.
  var summary: String { get }
  /// A fresh, empty state machine.
  func makeStateMachine() -> Machine
  /// Classifies a command (`arguments[0]` is its name, any case). PING and INFO are served by
  /// the server itself.
  func plan(_ arguments: [[UInt8]]) -> CommandPlan
  /// Example commands for the startup banner, such as `SET greeting hello`.
  var exampleCommands: [String] { get }
}

/// Error replies shared by the examples, worded as Redis words them.
public enum Replies {
  /// `-ERR unknown command 'X'`.
  public static func unknownCommand(_ arguments: [[UInt8]]) -> RESPValue {
    .error("ERR unknown command '\(String(decoding: arguments.first ?? [], as: UTF8.self))'")
  }

  /// `-ERR wrong number of arguments for 'x' command`.
  public static func wrongArity(_ arguments: [[UInt8]]) -> RESPValue {
    .error("ERR wrong number of arguments for '\(String(decoding: arguments[0], as: UTF8.self).lowercased())' command")
  }

  /// `-ERR value is not an integer or out of range`.
  public static let notAnInteger = RESPValue.error("ERR value is not an integer or out of range")

  /// Encoded form of ``notAnInteger``.
  public static let notAnIntegerBytes = notAnInteger.encoded

  /// A state machine's answer to an entry it cannot read (never expected from our servers).
  public static let malformedEntry = RESPValue.error("ERR malformed log entry").encoded

  /// Parses a base-10 signed 64-bit integer as Redis does (no spaces, no plus sign).
  public static func integer(_ bytes: [UInt8]) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 20, bytes.first != UInt8(ascii: "+") else { return nil }
    return Int64(String(decoding: bytes, as: UTF8.self))
  }
}
