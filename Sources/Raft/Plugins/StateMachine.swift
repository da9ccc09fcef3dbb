/// What the replicated log means: the user's deterministic service.
///
/// ## Contract
/// - **Determinism.** `apply` must depend only on the state and the command: no clocks, no
///   randomness, no I/O whose result varies. Every replica applies the same commands in the
///   same order and must reach the same state and responses. Time, if needed, enters through
///   values a leader writes into the command.
/// - **Order.** Commands arrive in log order, each index exactly once per process lifetime.
///   After a restart the state machine starts empty and the node replays the committed log.
/// - **Threading.** Called on the node's thread only; `apply` must not block on the node.
public protocol StateMachine {
  /// Applies the command committed at `index` and returns the response for the proposer.
  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8]
}
