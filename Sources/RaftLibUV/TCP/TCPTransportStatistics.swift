/// Counters of one ``TCPTransport``, readable from any thread. They only grow.
public struct TCPTransportStatistics: Hashable, Sendable {
  /// Frames handed to the kernel (handshakes included).
  public var framesSent = 0
  /// Messages received and delivered to the node.
  public var messagesReceived = 0
  /// Messages dropped before sending: queue full, no connection, or larger than the frame limit.
  public var messagesDropped = 0
  /// Times the node was told a peer is unreachable.
  public var unreachableReports = 0
  /// Incoming connections accepted (before their handshake).
  public var connectionsAccepted = 0
  /// Incoming connections whose handshake was refused (other cluster, unknown node, wrong
  /// destination) or never came.
  public var handshakesRefused = 0
  /// Incoming connections closed because they sent a malformed, oversized or spoofed frame.
  public var connectionsClosedForBadInput = 0
  /// Incoming connections that closed in the middle of a frame (the partial frame was dropped).
  public var truncatedFrames = 0
  /// Outgoing connections established.
  public var outgoingConnections = 0
  /// Outgoing connection attempts that failed or connections that broke.
  public var outgoingFailures = 0

  /// All counters at zero.
  public init() {}
}
