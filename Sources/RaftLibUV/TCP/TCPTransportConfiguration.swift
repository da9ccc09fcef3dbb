import Raft

/// The settings of one node's ``TCPTransport``.
public struct TCPTransportConfiguration: Sendable {
  /// The cluster's name. A connection whose handshake names another cluster is refused.
  public var clusterID: String
  /// This node.
  public var node: NodeID
  /// Where this node listens for its peers; port 0 picks a free port (read it back with
  /// ``TCPTransport/listen()``).
  public var listenAddress: SocketAddress
  /// Where each peer listens. Peers not listed cannot be reached, and their connections are
  /// refused.
  public var peers: [NodeID: SocketAddress]
  /// The local IP outgoing connections bind to (for hosts with several interfaces), or nil to
  /// let the system choose.
  public var sourceAddress: String?
  /// The largest frame accepted or sent. A peer announcing a larger frame is disconnected; a
  /// larger outgoing message is dropped. Keep it above the engine's `maxBytesPerAppend`.
  public var maximumFrameLength: Int
  /// The most encoded bytes waiting for one peer. Past it, messages to that peer are dropped
  /// and the peer is reported unreachable, so a slow peer cannot grow this node's memory.
  public var sendQueueLimitBytes: Int
  /// The first reconnection delay; each failed attempt doubles it up to ``reconnectMaximumDelay``,
  /// with random jitter so that peers restarted together do not reconnect in lockstep.
  public var reconnectInitialDelay: Duration
  /// The cap on the reconnection delay.
  public var reconnectMaximumDelay: Duration
  /// How long an outgoing connection attempt may take before it is abandoned and retried.
  public var connectTimeout: Duration
  /// How long a new incoming connection may take to send its handshake before it is closed
  /// (a half-open or idle client cannot hold a slot forever).
  public var handshakeTimeout: Duration
  /// TCP keep-alive idle time, which detects peers that vanished without closing.
  public var keepAliveSeconds: UInt32

  /// A configuration with defaults suited to a LAN cluster.
  public init(
    clusterID: String,
    node: NodeID,
    listenAddress: SocketAddress,
    peers: [NodeID: SocketAddress] = [:],
    sourceAddress: String? = nil,
    maximumFrameLength: Int = FrameCodec.defaultMaximumLength,
    sendQueueLimitBytes: Int = 32 << 20,
    reconnectInitialDelay: Duration = .milliseconds(20),
    reconnectMaximumDelay: Duration = .seconds(2),
    connectTimeout: Duration = .seconds(2),
    handshakeTimeout: Duration = .seconds(5),
    keepAliveSeconds: UInt32 = 10
  ) {
    self.clusterID = clusterID
    self.node = node
    self.listenAddress = listenAddress
    self.peers = peers
    self.sourceAddress = sourceAddress
    self.maximumFrameLength = maximumFrameLength
    self.sendQueueLimitBytes = sendQueueLimitBytes
    self.reconnectInitialDelay = reconnectInitialDelay
    self.reconnectMaximumDelay = reconnectMaximumDelay
    self.connectTimeout = connectTimeout
    self.handshakeTimeout = handshakeTimeout
    self.keepAliveSeconds = keepAliveSeconds
  }
}

extension Duration {
  /// Whole milliseconds, for libuv timers (never negative).
  var milliseconds: UInt64 {
    let (seconds, attoseconds) = components
    return UInt64(max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
  }
}
