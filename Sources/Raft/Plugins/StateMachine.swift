/// What the replicated log means: the user's deterministic service.
///
/// ## Contract
/// - **Determinism.** `apply` must depend only on the state and the command: no clocks, no
///   randomness, no I/O whose result varies. Every replica applies the same commands in the
///   same order and must reach the same state and responses. Time, if needed, enters through
///   values a leader writes into the command.
/// - **Order.** Commands arrive in log order, each index exactly once per process lifetime.
///   After a restart the state machine starts empty; the node restores it from its latest
///   snapshot (``restoreSnapshot(from:)``) and replays the committed log after it.
/// - **Snapshots.** ``writeSnapshot(to:)`` streams the state as of the last applied command;
///   ``restoreSnapshot(from:)`` replaces the whole state with the streamed one, so that applying
///   the commands after the snapshot's index reaches the same state as applying every command.
///   Both stream in chunks, so a large state is never copied into one buffer. The default
///   implementations throw ``SnapshotError/unsupported(_:)``: a state machine without them must
///   run with ``NodeConfiguration/snapshotThreshold`` nil and never receive a snapshot.
/// - **Threading.** Called on the node's thread only; `apply` must not block on the node.
public protocol StateMachine {
  /// Applies the command committed at `index` and returns the response for the proposer.
  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8]

  /// Writes the current state to `writer`, in chunks of the state machine's choosing.
  /// - Throws: whatever `writer` throws, or ``SnapshotError``; the snapshot is then abandoned.
  func writeSnapshot(to writer: inout some SnapshotWriter) throws

  /// Replaces the state with the one `reader` streams.
  /// - Throws: ``SnapshotError`` if the content is malformed or fails its checksum; the node
  ///   then cannot continue with this state machine.
  mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws
}

extension StateMachine {
  /// Throws ``SnapshotError/unsupported(_:)``.
  public func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    throw SnapshotError.unsupported("\(Self.self)")
  }

  /// Throws ``SnapshotError/unsupported(_:)``.
  public mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    throw SnapshotError.unsupported("\(Self.self)")
  }
}
