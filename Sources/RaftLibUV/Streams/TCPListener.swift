import CLibUV

/// Accepts plain TCP connections on a libuv ``EventLoop`` and hands each to a callback (which
/// sets the connection's handlers and calls ``TCPConnection/startReading()``).
///
/// Create and close it on the loop thread; the accept callback runs there.
public final class TCPListener: @unchecked Sendable {
  // @unchecked: confined to the loop thread.

  /// The loop the listener runs on.
  public let eventLoop: EventLoop
  /// The bound address (with the real port when port 0 was asked for).
  public private(set) var address: SocketAddress

  private var handle: UnsafeMutablePointer<uv_tcp_t>?
  private let accept: (TCPConnection) -> Void

  /// Binds `address` and listens. Call on the loop thread.
  /// - Throws: ``LibUVError``: the address is in use (`EADDRINUSE`) or not an IP literal.
  public init(
    on eventLoop: EventLoop, address: SocketAddress, backlog: Int32 = 128,
    accept: @escaping (TCPConnection) -> Void
  ) throws(LibUVError) {
    eventLoop.preconditionInLoopThread()
    self.eventLoop = eventLoop
    self.address = address
    self.accept = accept
    let storage = try address.storage()
    let handle = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(eventLoop.loop, handle)
    attach(ListenerBox(self), to: handle)
    do {
      try LibUVError.check(withSockaddr(storage) { uv_tcp_bind(handle, $0, 0) }, "bind \(address)")
      try LibUVError.check(
        uv_listen(asStream(handle), backlog) { server, status in
          owner(of: asHandle(server!), as: ListenerBox.self)?.listener?.acceptOne(status: status)
        }, "listen on \(address)")
    } catch {
      closeHandle(handle)
      throw error
    }
    var bound = sockaddr_storage()
    var length = Int32(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutableBytes(of: &bound) {
      _ = uv_tcp_getsockname(handle, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
    }
    self.address = SocketAddress(bound) ?? address
    self.handle = handle
  }

  /// Stops accepting; connections already accepted stay open. Idempotent.
  public func close() {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    self.handle = nil
    closeHandle(handle)
  }

  private func acceptOne(status: Int32) {
    guard status >= 0, let listener = handle else { return }
    let client = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(eventLoop.loop, client)
    guard uv_accept(asStream(listener), asStream(client)) == 0 else {
      closeHandle(client)
      return
    }
    var storage = sockaddr_storage()
    var length = Int32(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutableBytes(of: &storage) {
      _ = uv_tcp_getpeername(client, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
    }
    let remote = SocketAddress(storage)?.description ?? "unknown address"
    accept(TCPConnection(eventLoop: eventLoop, handle: client, remote: remote))
  }
}

/// A weak link from the listening handle, so the listener is not kept alive by its own handle.
private final class ListenerBox {
  weak var listener: TCPListener?
  init(_ listener: TCPListener) { self.listener = listener }
}
