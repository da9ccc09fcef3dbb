import CLibUV
import Raft

/// This node's one outgoing connection to one peer, and everything around it: the bounded
/// queue of encoded frames, the single write in flight, and reconnection with backoff.
///
/// Frames queue only while a connection is up or being set up. Between attempts messages are
/// dropped and the peer reported unreachable: Raft retransmits anyway, and holding stale
/// heartbeats would only delay fresh ones.
final class OutboundLink {
  enum State { case idle, connecting, connected, waitingToRetry, stopped }

  let peer: NodeID
  var address: SocketAddress
  private unowned let transport: TCPTransport
  private(set) var state = State.idle
  private var connection: OutboundConnection?
  /// Encoded frames not yet handed to libuv; starts with the handshake on each connection.
  private var pending = WireWriter()
  private var inflightBytes = 0
  private var writing = false
  private var backoff: ReconnectBackoff
  private var retryTimer: LoopTimer?
  /// Abandons a connection attempt that hangs (a peer host that drops SYNs would otherwise hold
  /// the link in `connecting` for the kernel's minutes-long SYN retry period).
  private var connectTimer: LoopTimer?
  private var connectedAt: UInt64 = 0
  /// Set once the node was told about drops; cleared when a write goes through, so one
  /// episode of trouble produces one report rather than one per message.
  private var reportedUnreachable = false

  init(peer: NodeID, address: SocketAddress, transport: TCPTransport) {
    self.peer = peer
    self.address = address
    self.transport = transport
    let configuration = transport.configuration
    backoff = ReconnectBackoff(
      initialMilliseconds: configuration.reconnectInitialDelay.milliseconds,
      maximumMilliseconds: configuration.reconnectMaximumDelay.milliseconds)
  }

  var queuedBytes: Int { pending.bytes.count + inflightBytes }

  // MARK: Sending

  /// Queues `message`, or drops it (and reports the peer unreachable) if no connection is up or
  /// the queue is full. Call ``flush()`` after a batch.
  func enqueue(_ message: Message) {
    guard state == .connecting || state == .connected else {
      return drop(message, reason: "no connection to node \(peer) (\(state))", unreachable: true)
    }
    let mark = pending.bytes.count
    FrameCodec.append(message, to: &pending)
    let frameLength = pending.bytes.count - mark - FrameCodec.lengthFieldSize
    if frameLength > transport.configuration.maximumFrameLength {
      pending.bytes.removeSubrange(mark...)
      return drop(
        message,
        reason: "frame of \(frameLength) bytes exceeds the limit \(transport.configuration.maximumFrameLength)",
        unreachable: false)
    }
    if queuedBytes > transport.configuration.sendQueueLimitBytes {
      pending.bytes.removeSubrange(mark...)
      return drop(
        message, reason: "send queue to node \(peer) full (\(queuedBytes) bytes)", unreachable: true)
    }
    transport.count { $0.framesSent += 1 }
  }

  private func drop(_ message: Message, reason: @autoclosure () -> String, unreachable: Bool) {
    transport.count { $0.messagesDropped += 1 }
    if unreachable && !reportedUnreachable {
      reportedUnreachable = true
      transport.log.log(
        .debug, .drop, "dropping \(message.body.kindName) to node \(peer): \(reason()); peer unreachable")
      transport.reportUnreachable(peer)
    } else {
      transport.log.log(.trace, .drop, "dropping \(message.body.kindName) to node \(peer): \(reason())")
    }
  }

  /// Hands everything queued to libuv in one write, unless a write is in flight (its completion
  /// flushes what queued meanwhile, so writes batch under load).
  func flush() {
    guard state == .connected, !writing, !pending.bytes.isEmpty, let connection else { return }
    let count = pending.bytes.count
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
    pending.bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
    pending.bytes.removeAll(keepingCapacity: true)
    inflightBytes = count
    writing = true
    let status = connection.write(buffer)
    if status < 0 { connectionBroke(connection, reason: "write failed: \(describeStatus(status))") }
  }

  func didWrite(_ connection: OutboundConnection, status: Int32) {
    guard connection === self.connection else { return }
    writing = false
    inflightBytes = 0
    guard status >= 0 else { return connectionBroke(connection, reason: "write failed: \(describeStatus(status))") }
    reportedUnreachable = false
    flush()
  }

  // MARK: Connecting

  func connect() {
    guard state == .idle || state == .waitingToRetry else { return }
    pending.bytes.removeAll(keepingCapacity: true)
    FrameCodec.append(
      Handshake(clusterID: transport.configuration.clusterID, from: transport.configuration.node, to: peer),
      to: &pending)
    let connection = OutboundConnection(transport: transport, link: self)
    self.connection = connection
    state = .connecting
    transport.log.log(.debug, .connection, "connecting to node \(peer) at \(address)")
    if let failure = connection.connect(to: address, from: transport.configuration.sourceAddress) {
      return connectionBroke(connection, reason: failure)
    }
    if connectTimer == nil { connectTimer = LoopTimer(on: transport.eventLoop) }
    let timeout = transport.configuration.connectTimeout.milliseconds
    connectTimer!.start(delayMilliseconds: timeout) { [weak self, weak connection] in
      guard let self, let connection, self.state == .connecting else { return }
      self.connectionBroke(connection, reason: "connect to \(self.address) timed out after \(timeout) ms")
    }
  }

  func didConnect(_ connection: OutboundConnection, status: Int32) {
    guard connection === self.connection else { return }
    guard status >= 0 else {
      return connectionBroke(connection, reason: "connect to \(address) failed: \(describeStatus(status))")
    }
    state = .connected
    connectTimer?.stop()
    connectedAt = transport.now
    transport.count { $0.outgoingConnections += 1 }
    transport.log.log(.debug, .connection, "connected to node \(peer) at \(address)")
    flush()
  }

  /// The connection failed or ended: drop what was queued, report the peer, retry later.
  func connectionBroke(_ connection: OutboundConnection, reason: String) {
    guard connection === self.connection else { return }
    self.connection = nil
    connection.close()
    connectTimer?.stop()
    transport.count { $0.outgoingFailures += 1 }
    let lasted = state == .connected ? transport.now - connectedAt : 0
    if lasted >= 1000 { backoff.reset() }
    let hadMessages = pending.bytes.count > 0 || writing
    pending.bytes.removeAll(keepingCapacity: true)
    writing = false
    inflightBytes = 0
    if state == .stopped { return }
    state = .waitingToRetry
    var random = SystemRandomNumberGenerator()
    let delay = backoff.nextDelay(using: &random)
    transport.log.log(
      backoff.attempts > 3 ? .info : .debug, .connection,
      "connection to node \(peer) lost: \(reason); retrying in \(delay) ms")
    if hadMessages && !reportedUnreachable {
      reportedUnreachable = true
      transport.reportUnreachable(peer)
    }
    if retryTimer == nil { retryTimer = LoopTimer(on: transport.eventLoop) }
    retryTimer!.start(delayMilliseconds: delay) { [weak self] in self?.connect() }
  }

  func stop() {
    state = .stopped
    retryTimer?.close()
    retryTimer = nil
    connectTimer?.close()
    connectTimer = nil
    if let connection {
      self.connection = nil
      connection.close()
    }
    pending.bytes.removeAll()
    writing = false
    inflightBytes = 0
  }
}

/// One TCP connection attempt of an ``OutboundLink``. A new attempt gets a new object, so late
/// callbacks of a closed connection are recognised (`link.connection !== self`) and ignored.
final class OutboundConnection: StreamOwner {
  private var handle: UnsafeMutablePointer<uv_tcp_t>?
  private weak var link: OutboundLink?

  init(transport: TCPTransport, link: OutboundLink) {
    self.link = link
    super.init(transport: transport)
  }

  /// Starts connecting. - Returns: a failure reason if the attempt could not even start.
  func connect(to address: SocketAddress, from source: String?) -> String? {
    guard let transport else { return "transport gone" }
    let handle = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(transport.eventLoop.loop, handle)
    attach(self, to: handle)
    self.handle = handle
    uv_tcp_nodelay(handle, 1)
    uv_tcp_keepalive(handle, 1, transport.configuration.keepAliveSeconds)
    do {
      if let source {
        let local = try SocketAddress(host: source, port: 0).storage()
        try LibUVError.check(withSockaddr(local) { uv_tcp_bind(handle, $0, 0) }, "bind to source address \(source)")
      }
      let remote = try address.storage()
      let request = allocateHandle(uv_connect_t.self)
      request.pointee.data = Unmanaged.passRetained(self).toOpaque()
      let status = withSockaddr(remote) { address in
        uv_tcp_connect(request, handle, address) { request, status in
          let connection = Unmanaged<OutboundConnection>.fromOpaque(request!.pointee.data).takeRetainedValue()
          request!.deallocate()
          connection.didConnect(status: status)
        }
      }
      if status < 0 {
        Unmanaged<OutboundConnection>.fromOpaque(request.pointee.data).release()
        request.deallocate()
        throw LibUVError(code: status, operation: "connect to \(address)")
      }
    } catch {
      return "\(error)"
    }
    return nil
  }

  private func didConnect(status: Int32) {
    guard let handle, let link else { return }
    if status >= 0 {
      let readStatus = startReading(handle)
      if readStatus < 0 { return link.didConnect(self, status: readStatus) }
    }
    link.didConnect(self, status: status)
  }

  /// Writes `buffer` (which the write's completion frees). - Returns: libuv's status.
  func write(_ buffer: UnsafeMutableRawBufferPointer) -> Int32 {
    guard let handle else {
      buffer.deallocate()
      return UV_ENOTCONN.rawValue
    }
    let request = allocateHandle(uv_write_t.self)
    request.pointee.data = Unmanaged.passRetained(WriteContext(connection: self, buffer: buffer)).toOpaque()
    var descriptor = uv_buf_init(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(buffer.count))
    let status = uv_write(request, asStream(handle), &descriptor, 1) { request, status in
      let context = Unmanaged<WriteContext>.fromOpaque(request!.pointee.data).takeRetainedValue()
      request!.deallocate()
      context.buffer.deallocate()
      context.connection.link?.didWrite(context.connection, status: status)
    }
    if status < 0 {
      Unmanaged<WriteContext>.fromOpaque(request.pointee.data).release()
      request.deallocate()
      buffer.deallocate()
    }
    return status
  }

  override func didRead(_ count: Int, _ bytes: UnsafeRawBufferPointer) {
    guard let link else { return }
    if count < 0 {
      link.connectionBroke(self, reason: "closed by peer: \(describeStatus(Int32(count)))")
    } else {
      link.connectionBroke(self, reason: "peer sent \(count) bytes on an outgoing connection")
    }
  }

  func close() {
    guard let handle else { return }
    self.handle = nil
    closeHandle(handle)
  }
}

/// Keeps a write's buffer and connection alive until libuv reports the write done.
private final class WriteContext {
  let connection: OutboundConnection
  let buffer: UnsafeMutableRawBufferPointer
  init(connection: OutboundConnection, buffer: UnsafeMutableRawBufferPointer) {
    self.connection = connection
    self.buffer = buffer
  }
}
