/// The subject of a log line, in the spirit of the MIT 6.824 debugging notes: filter a
/// cluster's interleaved output by topic (`grep 'topic=VOTE'`).
public enum LogTopic: String, Sendable, CaseIterable {
  /// Vote requests, grants and rejections.
  case vote = "VOTE"
  /// Becoming leader, stepping down, leader changes.
  case lead = "LEAD"
  /// Term changes.
  case term = "TERM"
  /// Log appends and proposals.
  case log = "LOG"
  /// Commit index advances and applying entries.
  case commit = "CMIT"
  /// Storage writes and their completions.
  case persist = "PERS"
  /// Snapshots.
  case snapshot = "SNAP"
  /// Timers and ticks.
  case timer = "TIMR"
  /// Messages dropped (full queue, no connection, oversized).
  case drop = "DROP"
  /// Connections: listening, connecting, handshakes, closes and why.
  case connection = "CONN"
  /// The node's lifecycle: start, stop.
  case node = "NODE"
}
