import CLibUV

// libuv handles must stay at one address from init until their close callback runs, so they
// live in manually allocated memory, never in Swift values that may move. Each handle's `data`
// points at its owner (retained), and the close callback releases the owner and frees the memory.

/// Allocates zeroed memory for a libuv handle or request of type `T`.
func allocateHandle<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
  let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
  UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
  return pointer
}

/// Views any handle as the generic `uv_handle_t` that libuv's handle functions take.
func asHandle<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
  UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
}

/// Views a TCP handle as the stream libuv's read and write functions take.
func asStream(_ pointer: UnsafeMutablePointer<uv_tcp_t>) -> UnsafeMutablePointer<uv_stream_t> {
  UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_stream_t.self)
}

/// Stores a retained reference to `owner` in the handle's `data`; ``closeHandle(_:)`` releases it.
func attach<T, Owner: AnyObject>(_ owner: Owner, to pointer: UnsafeMutablePointer<T>) {
  asHandle(pointer).pointee.data = Unmanaged.passRetained(owner).toOpaque()
}

/// The owner ``attach(_:to:)`` stored, without changing its retain count.
func owner<Owner: AnyObject>(of handle: UnsafeMutablePointer<uv_handle_t>?, as type: Owner.Type) -> Owner? {
  guard let data = handle?.pointee.data else { return nil }
  return Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
}

/// Closes a handle; its close callback releases the attached owner and frees the memory.
/// Safe to call twice (the second call does nothing).
func closeHandle<T>(_ pointer: UnsafeMutablePointer<T>) {
  let handle = asHandle(pointer)
  guard uv_is_closing(handle) == 0 else { return }
  uv_close(handle) { handle in
    guard let handle else { return }
    if let data = handle.pointee.data { Unmanaged<AnyObject>.fromOpaque(data).release() }
    UnsafeMutableRawPointer(handle).deallocate()
  }
}
