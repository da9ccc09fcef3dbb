import Logging
import Raft

/// A swift-log `Logger` that stamps every line with the node id, its current term and a
/// ``LogTopic`` (as metadata `node`, `term`, `topic`, and as a `[TOPIC]` prefix for plain
/// handlers).
///
/// Quiet by default: ``quiet(node:)`` discards everything. Pass a configured `Logger` to see
/// lines; events a healthy cluster sees constantly log at `debug` or `trace`, events an operator
/// should know about (refused connections, malformed frames) at `notice` or `warning`.
///
/// The node runtime owns one per node, updates ``term`` on its loop thread, and shares it with
/// its transport, so transport lines carry the term too.
public final class NodeLogger: @unchecked Sendable {
  // @unchecked: `term` is written on the node's loop thread only; a racing read from another
  // thread could at worst stamp a line with the previous term.
  /// The underlying logger.
  public let logger: Logger
  /// The node the lines are about.
  public let node: NodeID
  /// The term stamped on lines; the runtime keeps it current.
  public var term: Term = .zero

  /// Logs through `logger` for `node`.
  public init(_ logger: Logger, node: NodeID) {
    self.logger = logger
    self.node = node
  }

  /// A logger that discards everything.
  public static func quiet(node: NodeID) -> NodeLogger {
    NodeLogger(Logger(label: "raft", factory: { _ in SwiftLogNoOpLogHandler() }), node: node)
  }

  /// Whether lines at `level` are emitted (to skip building expensive messages).
  public func enabled(_ level: Logger.Level) -> Bool { logger.logLevel <= level }

  /// Logs one line about `topic`.
  public func log(
    _ level: Logger.Level, _ topic: LogTopic, _ message: @autoclosure () -> String,
    file: String = #fileID, function: String = #function, line: UInt = #line
  ) {
    guard enabled(level) else { return }
    logger.log(
      level: level, "[\(topic.rawValue)] \(message())",
      metadata: ["node": "\(node)", "term": "\(term)", "topic": "\(topic.rawValue)"],
      source: "RaftLibUV", file: file, function: function, line: line)
  }
}

/// Shorthand for swift-log's levels inside this module.
typealias LogLevel = Logger.Level
