/// What a transport reports to the node it serves.
public enum TransportEvent: Hashable, Sendable {
  /// A message for this node arrived.
  case received(Message)
  /// Messages to `peer` were dropped (its send queue was full, or no connection was up): a
  /// leader should stop streaming to it and probe (``RaftEngine/reportUnreachable(_:)``).
  case unreachable(NodeID)
}

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

  /// Starts accepting messages for this node and reporting unreachable peers.
  ///
  /// A node runtime calls this one. It exists beside ``start(receiver:)`` because back-pressure
  /// needs a way back to the engine: a transport that drops messages must say so, or a leader
  /// keeps streaming into the void. The default implementation forwards to
  /// ``start(receiver:)`` and reports nothing, which suits transports that never drop (the
  /// in-memory one). `handler` follows the same rules as the receiver.
  func start(handler: @escaping @Sendable (TransportEvent) -> Void) throws

  /// Sends each message to its `to` node.
  func send(_ messages: [Message])

  /// Stops delivering and releases connections. Idempotent.
  func stop()
}

extension Transport {
  public func start(handler: @escaping @Sendable (TransportEvent) -> Void) throws {
    try start(receiver: { handler(.received($0)) })
  }
}
