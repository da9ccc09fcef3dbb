import CLibUV
import Raft
import Synchronization

/// A ``Transport`` over TCP on a libuv ``EventLoop``.
///
/// Each node listens on one address; each node opens one connection to each peer and sends on
/// it, so a pair of nodes shares two connections, one per direction. A connection starts with
/// a ``Handshake`` (cluster id, sender, destination); the listener refuses one from another
/// cluster, an unknown node or for another destination, and logs why. Frames use the shared
/// ``FrameCodec`` with a size limit. A malformed, oversized, spoofed or truncated frame closes
/// its connection with a logged reason and never reaches the node.
///
/// Back-pressure: the frames waiting for one peer are bounded by
/// ``TCPTransportConfiguration/sendQueueLimitBytes``; past it, and while no connection is up,
/// messages are dropped and the node hears ``TransportEvent/unreachable(_:)`` so its leader
/// stops streaming to that peer and probes.
///
/// ## Threading
/// All state lives on the event loop thread. ``send(_:)`` may be called from any thread (off the
/// loop it hops there); ``start(handler:)``, ``listen()`` and ``stop()`` block the caller until
/// the loop has done the work, unless called on the loop thread. The handler runs on the loop
/// thread.
public final class TCPTransport: Transport, @unchecked Sendable {
  // @unchecked: mutable state is confined to `eventLoop`'s thread; `statisticsStore` is locked.

  /// The settings; ``setPeerAddress(_:for:)`` changes where peers are reached.
  public private(set) var configuration: TCPTransportConfiguration
  /// The loop this transport runs on.
  public let eventLoop: EventLoop
  let log: NodeLogger

  private var listener: UnsafeMutablePointer<uv_tcp_t>?
  private var boundAddress: SocketAddress?
  private var handler: (@Sendable (TransportEvent) -> Void)?
  private var links: [NodeID: OutboundLink] = [:]
  private var inbound: [ObjectIdentifier: InboundConnection] = [:]
  private var inboundByPeer: [NodeID: InboundConnection] = [:]
  private var stopped = false
  private let statisticsStore = Mutex(TCPTransportStatistics())
  /// Where every connection's reads land; reads are handled synchronously on the loop thread.
  let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)

  /// A transport for `configuration.node`; nothing happens until ``listen()`` or ``start(handler:)``.
  /// - Parameter logger: where connection events go; quiet if nil.
  public init(configuration: TCPTransportConfiguration, eventLoop: EventLoop, logger: NodeLogger? = nil) {
    self.configuration = configuration
    self.eventLoop = eventLoop
    self.log = logger ?? .quiet(node: configuration.node)
  }

  deinit { readBuffer.deallocate() }

  /// The counters so far.
  public var statistics: TCPTransportStatistics { statisticsStore.withLock { $0 } }

  func count(_ update: (inout TCPTransportStatistics) -> Void) { statisticsStore.withLock { update(&$0) } }

  /// libuv's cached loop time in milliseconds.
  var now: UInt64 { uv_now(eventLoop.loop) }

  // MARK: Lifecycle

  /// Binds and listens (once), and returns the bound address, whose port is the real one when
  /// ``TCPTransportConfiguration/listenAddress`` asked for port 0.
  /// - Throws: ``LibUVError`` (address in use, not an IP literal, ...) or ``EventLoopError``.
  @discardableResult
  public func listen() throws -> SocketAddress {
    try eventLoop.runBlocking { try self.listenOnLoop() }
  }

  private func listenOnLoop() throws -> SocketAddress {
    if let boundAddress { return boundAddress }
    guard !stopped else { throw EventLoopError.shutDown }
    let address = try configuration.listenAddress.storage()
    let handle = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(eventLoop.loop, handle)
    attach(ListenerBox(self), to: handle)
    do {
      try LibUVError.check(withSockaddr(address) { uv_tcp_bind(handle, $0, 0) }, "bind \(configuration.listenAddress)")
      try LibUVError.check(
        uv_listen(asStream(handle), 128) { server, status in
          owner(of: asHandle(server!), as: ListenerBox.self)?.transport?.accept(status: status)
        }, "listen on \(configuration.listenAddress)")
    } catch {
      closeHandle(handle)
      throw error
    }
    var storage = sockaddr_storage()
    var length = Int32(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutableBytes(of: &storage) {
      _ = uv_tcp_getsockname(handle, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
    }
    let bound = SocketAddress(storage) ?? configuration.listenAddress
    listener = handle
    boundAddress = bound
    log.log(.info, .connection, "listening on \(bound)")
    return bound
  }

  /// Changes where `peer` is reached; a connection in progress keeps its old address until it
  /// breaks. Callable before or after start, from any thread.
  public func setPeerAddress(_ address: SocketAddress, for peer: NodeID) throws {
    try eventLoop.runBlocking {
      self.configuration.peers[peer] = address
      self.links[peer]?.address = address
    }
  }

  /// Like ``start(handler:)``, delivering only messages (unreachable reports are dropped).
  public func start(receiver: @escaping @Sendable (Message) -> Void) throws {
    try start(handler: { event in
      if case .received(let message) = event { receiver(message) }
    })
  }

  /// Listens (if not yet), then connects to every peer and delivers events to `handler` on the
  /// loop thread.
  public func start(handler: @escaping @Sendable (TransportEvent) -> Void) throws {
    try eventLoop.runBlocking {
      _ = try self.listenOnLoop()
      guard self.handler == nil, !self.stopped else { throw TCPTransportError.alreadyStarted }
      self.handler = handler
      for (peer, address) in self.configuration.peers where peer != self.configuration.node {
        let link = OutboundLink(peer: peer, address: address, transport: self)
        self.links[peer] = link
        link.connect()
      }
    }
  }

  /// Closes the listener and every connection; queued frames are dropped. Idempotent.
  public func stop() {
    _ = try? eventLoop.runBlocking { self.stopOnLoop() }
  }

  private func stopOnLoop() {
    guard !stopped else { return }
    stopped = true
    handler = nil
    for link in links.values { link.stop() }
    links.removeAll()
    for connection in Array(inbound.values) { connection.close(level: .debug, "transport stopping") }
    if let listener {
      closeHandle(listener)
      self.listener = nil
    }
    log.log(.info, .connection, "stopped")
  }

  // MARK: Sending

  /// Queues each message for its `to` node and starts writing. Messages from another node
  /// or to an unknown one are ignored.
  public func send(_ messages: [Message]) {
    guard eventLoop.inLoopThread else {
      eventLoop.execute { self.send(messages) }
      return
    }
    guard !stopped else { return }
    var touched: [OutboundLink] = []
    for message in messages where message.from == configuration.node {
      guard let link = links[message.to] else { continue }
      link.enqueue(message)
      if !touched.contains(where: { $0 === link }) { touched.append(link) }
    }
    for link in touched { link.flush() }
  }

  /// The remote addresses of the accepted incoming connections, by peer (for tests).
  func inboundRemotes() throws -> [NodeID: String] {
    try eventLoop.runBlocking { self.inboundByPeer.mapValues(\.remote) }
  }

  /// Encoded bytes waiting for `peer` (queued plus the write in flight).
  func queuedBytes(to peer: NodeID) throws -> Int {
    try eventLoop.runBlocking { self.links[peer]?.queuedBytes ?? 0 }
  }

  func reportUnreachable(_ peer: NodeID) {
    count { $0.unreachableReports += 1 }
    handler?(.unreachable(peer))
  }

  // MARK: Receiving

  private func accept(status: Int32) {
    guard !stopped, let listener else { return }
    guard status >= 0 else {
      log.log(.warning, .connection, "accept failed: \(describeStatus(status))")
      return
    }
    let handle = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(eventLoop.loop, handle)
    guard uv_accept(asStream(listener), asStream(handle)) == 0 else {
      closeHandle(handle)
      return
    }
    uv_tcp_nodelay(handle, 1)
    uv_tcp_keepalive(handle, 1, configuration.keepAliveSeconds)
    var storage = sockaddr_storage()
    var length = Int32(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutableBytes(of: &storage) {
      _ = uv_tcp_getpeername(handle, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
    }
    let remote = SocketAddress(storage)?.description ?? "unknown address"
    let connection = InboundConnection(transport: self, handle: handle, remote: remote)
    attach(connection, to: handle)
    inbound[ObjectIdentifier(connection)] = connection
    count { $0.connectionsAccepted += 1 }
    log.log(.debug, .connection, "accepted connection from \(remote)")
    connection.start(handshakeTimeoutMilliseconds: configuration.handshakeTimeout.milliseconds)
  }

  /// Why `handshake` is refused, or nil to accept it.
  func refusal(of handshake: Handshake) -> String? {
    if handshake.clusterID != configuration.clusterID {
      return "node \(handshake.from) belongs to cluster '\(handshake.clusterID)', not '\(configuration.clusterID)'"
    }
    if handshake.to != configuration.node {
      return "node \(handshake.from) meant to reach node \(handshake.to), this is node \(configuration.node)"
    }
    if handshake.from == configuration.node || configuration.peers[handshake.from] == nil {
      return "node \(handshake.from) is not a peer of node \(configuration.node)"
    }
    return nil
  }

  /// A peer's handshake was accepted. An older connection from the same peer is closed: the
  /// peer restarted or reconnected, and the old one is half-open.
  func accepted(_ connection: InboundConnection, from peer: NodeID) {
    if let previous = inboundByPeer[peer], previous !== connection {
      previous.close(level: .debug, "replaced by a new connection from node \(peer)")
    }
    inboundByPeer[peer] = connection
    log.log(.debug, .connection, "accepted handshake from node \(peer) (\(connection.remote))")
  }

  func deliver(_ message: Message) {
    count { $0.messagesReceived += 1 }
    handler?(.received(message))
  }

  func forget(_ connection: InboundConnection) {
    inbound[ObjectIdentifier(connection)] = nil
    if let peer = connection.peer, inboundByPeer[peer] === connection { inboundByPeer[peer] = nil }
  }
}

/// Misuse of a ``TCPTransport``.
public enum TCPTransportError: Error, Hashable, Sendable {
  /// ``TCPTransport/start(handler:)`` was called twice, or after ``TCPTransport/stop()``; a
  /// transport starts once (make a new one to restart).
  case alreadyStarted
}

/// What the listener handle retains: a weak link, so the transport is not kept alive by its own
/// listener (the listener closes in ``TCPTransport/stop()``).
private final class ListenerBox {
  weak var transport: TCPTransport?
  init(_ transport: TCPTransport) { self.transport = transport }
}
