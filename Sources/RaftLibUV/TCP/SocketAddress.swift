import CLibUV

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP endpoint: an IPv4 or IPv6 literal and a port. (Names are not resolved, so the
/// transport never blocks on DNS.)
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
  /// An IP literal, such as `"127.0.0.1"` or `"::1"`.
  public var host: String
  /// The port; 0 asks the system for a free one when listening.
  public var port: UInt16

  /// An endpoint; `host` must be an IP literal (checked when the address is used).
  public init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// The address as a `sockaddr_storage`, for libuv.
  /// - Throws: ``LibUVError`` if `host` is not an IP literal.
  func storage() throws(LibUVError) -> sockaddr_storage {
    var storage = sockaddr_storage()
    let code: Int32 = withUnsafeMutableBytes(of: &storage) { raw in
      if host.contains(":") {
        uv_ip6_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
      } else {
        uv_ip4_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
      }
    }
    try LibUVError.check(code, "parse address \(self)")
    return storage
  }

  /// Reads a `sockaddr` libuv filled in.
  init?(_ storage: sockaddr_storage) {
    var name = [CChar](repeating: 0, count: 64)
    let port: UInt16
    switch Int32(storage.ss_family) {
    case AF_INET:
      var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
      uv_ip4_name(&address, &name, name.count)
      port = UInt16(bigEndian: address.sin_port)
    case AF_INET6:
      var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }
      uv_ip6_name(&address, &name, name.count)
      port = UInt16(bigEndian: address.sin6_port)
    default:
      return nil
    }
    let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    self.init(host: String(decoding: bytes, as: UTF8.self), port: port)
  }
}

/// Calls `body` with `storage` viewed as the `sockaddr` libuv's bind and connect take.
func withSockaddr<R>(_ storage: sockaddr_storage, _ body: (UnsafePointer<sockaddr>) -> R) -> R {
  var storage = storage
  return withUnsafeBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
}
