/// How messages travel between nodes.
///
/// ## Contract
/// - **Delivery.** Best effort. A message may be lost, delayed or (across reconnections)
///   duplicated; Raft tolerates all three. An implementation should keep the order of
///   messages to one peer on one connection, which keeps replication streaming smoothly.
/// - **Back-pressure.** ``send(_:)`` never blocks. When a peer cannot keep up, drop messages
///   and report the peer unreachable rather than queue without bound.
/// - **Threading.** ``send(_:)`` and ``stop()`` are called on the node's thread. The
///   `receiver` given to ``start(receiver:)`` may be called on any thread, must not block, and
///   receives only messages addressed to this node.
public protocol Transport: AnyObject, Sendable {
  /// Starts accepting messages for this node.
  func start(receiver: @escaping @Sendable (Message) -> Void) throws

  /// Sends each message to its `to` node.
  func send(_ messages: [Message])

  /// Stops delivering and releases connections. Idempotent.
  func stop()
}
