import CLibUV

/// A plain TCP byte stream on a libuv ``EventLoop``, for protocols other than Raft's (client
/// protocols such as RESP, or forwarding requests between servers).
///
/// Create, use and close it on the loop thread. The connection stays alive while its handle is
/// open, even if its creator drops it; ``close()`` (or the peer closing) releases it. Reads are
/// delivered to ``onRead`` in arrival order; ``onClose`` runs once, when the connection closes
/// for any reason.
public final class TCPConnection: @unchecked Sendable {
  // @unchecked: confined to the loop thread.

  /// The loop the connection runs on.
  public let eventLoop: EventLoop
  /// The peer's address, for logs.
  public let remote: String
  /// Bytes that arrived; the buffer is valid only during the call.
  public var onRead: ((UnsafeRawBufferPointer) -> Void)?
  /// Runs once when the connection closes: nil after ``close()``, the reason otherwise.
  public var onClose: ((LibUVError?) -> Void)?

  private var handle: UnsafeMutablePointer<uv_tcp_t>?
  private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
  private var writesInFlight = 0
  private var closingAfterWrites = false

  init(eventLoop: EventLoop, handle: UnsafeMutablePointer<uv_tcp_t>, remote: String) {
    self.eventLoop = eventLoop
    self.handle = handle
    self.remote = remote
    attach(self, to: handle)
  }

  deinit { readBuffer.deallocate() }

  /// Whether the connection is still open.
  public var isOpen: Bool { handle != nil }

  /// Bytes queued for writing and not yet handed to the kernel, as a count of writes.
  public var pendingWrites: Int { writesInFlight }

  /// Connects to `address`, then calls `completion` on the loop thread with the connection
  /// (not reading yet: set ``onRead`` and call ``startReading()``) or the error.
  /// Call on the loop thread.
  public static func connect(
    to address: SocketAddress, on eventLoop: EventLoop,
    completion: @escaping (Result<TCPConnection, LibUVError>) -> Void
  ) {
    eventLoop.preconditionInLoopThread()
    let storage: sockaddr_storage
    do { storage = try address.storage() } catch { return completion(.failure(error)) }
    let handle = allocateHandle(uv_tcp_t.self)
    uv_tcp_init(eventLoop.loop, handle)
    let connection = TCPConnection(eventLoop: eventLoop, handle: handle, remote: address.description)
    let request = allocateHandle(uv_connect_t.self)
    let context = ConnectContext(connection: connection, completion: completion)
    request.pointee.data = Unmanaged.passRetained(context).toOpaque()
    let status = withSockaddr(storage) { target in
      uv_tcp_connect(request, handle, target) { request, status in
        let context = Unmanaged<ConnectContext>.fromOpaque(request!.pointee.data).takeRetainedValue()
        request!.deallocate()
        context.finish(status)
      }
    }
    if status < 0 {
      Unmanaged<ConnectContext>.fromOpaque(request.pointee.data).release()
      request.deallocate()
      connection.shutDown(nil)
      completion(.failure(LibUVError(code: status, operation: "connect to \(address)")))
    }
  }

  /// Starts delivering reads to ``onRead``.
  public func startReading() {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    uv_tcp_nodelay(handle, 1)
    let status = uv_read_start(
      asStream(handle),
      { handle, _, buffer in
        guard let connection = owner(of: handle, as: TCPConnection.self) else {
          buffer!.pointee = uv_buf_init(nil, 0)
          return
        }
        let shared = connection.readBuffer
        buffer!.pointee = uv_buf_init(shared.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(shared.count))
      },
      { stream, count, buffer in
        guard let connection = owner(of: asHandle(stream!), as: TCPConnection.self) else { return }
        if count > 0 {
          connection.onRead?(UnsafeRawBufferPointer(start: buffer?.pointee.base, count: count))
        } else if count < 0 {
          // UV_EOF included: the reason tells the owner the peer hung up.
          connection.shutDown(LibUVError(code: Int32(count), operation: "read"))
        }
      })
    if status < 0 { shutDown(LibUVError(code: status, operation: "read")) }
  }

  /// Stops delivering reads until ``startReading()`` (back-pressure on a client that sends
  /// faster than it is answered: the kernel's buffers fill and TCP slows it down).
  public func stopReading() {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    uv_read_stop(asStream(handle))
  }

  /// Queues `bytes` for writing (copied). Writes go out in call order.
  public func write(_ bytes: some Collection<UInt8>) {
    eventLoop.preconditionInLoopThread()
    guard let handle, !closingAfterWrites, !bytes.isEmpty else { return }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
    let request = allocateHandle(uv_write_t.self)
    request.pointee.data = Unmanaged.passRetained(WriteContext(connection: self, buffer: buffer)).toOpaque()
    var descriptor = uv_buf_init(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(buffer.count))
    let status = uv_write(request, asStream(handle), &descriptor, 1) { request, status in
      let context = Unmanaged<WriteContext>.fromOpaque(request!.pointee.data).takeRetainedValue()
      request!.deallocate()
      context.buffer.deallocate()
      context.connection.didWrite(status)
    }
    if status < 0 {
      Unmanaged<WriteContext>.fromOpaque(request.pointee.data).release()
      request.deallocate()
      buffer.deallocate()
      shutDown(LibUVError(code: status, operation: "write"))
    } else {
      writesInFlight += 1
    }
  }

  /// Stops reading and closes once every queued write has gone out (to send an error reply
  /// before dropping a client).
  public func closeAfterWrites() {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    closingAfterWrites = true
    uv_read_stop(asStream(handle))
    if writesInFlight == 0 { shutDown(nil) }
  }

  /// Closes now; queued writes are dropped. Idempotent.
  public func close() {
    eventLoop.preconditionInLoopThread()
    shutDown(nil)
  }

  private func didWrite(_ status: Int32) {
    writesInFlight -= 1
    if status < 0 && status != UV_ECANCELED.rawValue {
      shutDown(LibUVError(code: status, operation: "write"))
    } else if closingAfterWrites && writesInFlight == 0 {
      shutDown(nil)
    }
  }

  fileprivate func shutDown(_ error: LibUVError?) {
    guard let handle else { return }
    self.handle = nil
    uv_read_stop(asStream(handle))
    closeHandle(handle)
    let callback = onClose
    onClose = nil
    onRead = nil
    callback?(error)
  }
}

private final class WriteContext {
  let connection: TCPConnection
  let buffer: UnsafeMutableRawBufferPointer
  init(connection: TCPConnection, buffer: UnsafeMutableRawBufferPointer) {
    self.connection = connection
    self.buffer = buffer
  }
}

private final class ConnectContext {
  let connection: TCPConnection
  let completion: (Result<TCPConnection, LibUVError>) -> Void
  init(connection: TCPConnection, completion: @escaping (Result<TCPConnection, LibUVError>) -> Void) {
    self.connection = connection
    self.completion = completion
  }

  func finish(_ status: Int32) {
    if status < 0 {
      let error = LibUVError(code: status, operation: "connect to \(connection.remote)")
      connection.shutDown(error)
      completion(.failure(error))
    } else {
      completion(.success(connection))
    }
  }
}
