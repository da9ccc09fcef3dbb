import CLibUV

/// The object a TCP handle's `data` retains: receives its reads. Subclassed by the incoming and
/// outgoing connection types so the shared C callbacks can dispatch to either.
class StreamOwner {
  weak var transport: TCPTransport?

  init(transport: TCPTransport) { self.transport = transport }

  /// Bytes arrived (`count` > 0), or the stream ended (`count` < 0: `UV_EOF` or an error).
  func didRead(_ count: Int, _ bytes: UnsafeRawBufferPointer) {}

  /// Starts reading `handle` into the transport's shared read buffer.
  func startReading(_ handle: UnsafeMutablePointer<uv_tcp_t>) -> Int32 {
    uv_read_start(
      asStream(handle),
      { handle, _, buffer in
        // Reads are handled synchronously on the loop thread, so one buffer serves every
        // connection of the transport.
        if let shared = owner(of: handle, as: StreamOwner.self)?.transport?.readBuffer {
          buffer!.pointee = uv_buf_init(shared.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(shared.count))
        } else {
          buffer!.pointee = uv_buf_init(nil, 0)
        }
      },
      { stream, count, buffer in
        guard let owner = owner(of: asHandle(stream!), as: StreamOwner.self) else { return }
        let bytes = UnsafeRawBufferPointer(start: buffer?.pointee.base, count: max(0, count))
        if count != 0 { owner.didRead(count, bytes) }
      })
  }
}

/// A libuv status code as a readable reason.
func describeStatus(_ status: Int32) -> String {
  "\(String(cString: uv_err_name(status))) (\(String(cString: uv_strerror(status))))"
}
