import Foundation
import RESP

#if canImport(Glibc)
  import Glibc
#endif

/// A small blocking RESP2 client for tests: one TCP connection, requests and replies in order.
final class RESPClient {
  enum ClientError: Error, CustomStringConvertible {
    case connect(String)
    case io(String)
    case closed

    var description: String {
      switch self {
      case .connect(let why): "connect: \(why)"
      case .io(let why): "i/o: \(why)"
      case .closed: "connection closed by the server"
      }
    }
  }

  let port: UInt16
  private let socket: Int32
  private var decoder = RESPValueDecoder()

  /// Connects to 127.0.0.1:`port`; every read waits at most `timeout`.
  init(port: UInt16, timeout: Duration = .seconds(10)) throws {
    self.port = port
    socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw ClientError.connect("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let seconds = timeout.components.seconds
    var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      Glibc.close(socket)
      throw ClientError.connect("port \(port): errno \(errno)")
    }
  }

  deinit { Glibc.close(socket) }

  /// Sends raw bytes.
  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard written > 0 else { throw ClientError.io("send: errno \(errno)") }
      offset += written
    }
  }

  /// Reads the next reply.
  func receive() throws -> RESPValue {
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      if let value = try decoder.next() { return value }
      let count = chunk.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
      if count == 0 { throw ClientError.closed }
      guard count > 0 else { throw ClientError.io("recv: errno \(errno)") }
      decoder.append(chunk[0..<count])
    }
  }

  /// Sends one command and returns its reply.
  func call(_ arguments: String...) throws -> RESPValue { try call(arguments) }

  func call(_ arguments: [String]) throws -> RESPValue {
    try send(RESPValue.command(arguments).encoded)
    return try receive()
  }
}

/// Connects to `port` and runs `body`, retrying on connection errors and `-TRYAGAIN` replies
/// until `timeout` passes (a node may be starting or electing).
func callRetrying(
  port: UInt16, _ arguments: [String], timeout: Duration = .seconds(10)
) throws -> RESPValue {
  let deadline = ContinuousClock.now + timeout
  var last: String = ""
  while ContinuousClock.now < deadline {
    do {
      let reply = try RESPClient(port: port, timeout: .seconds(8)).call(arguments)
      if case .error(let text) = reply, text.hasPrefix("TRYAGAIN") {
        last = text
      } else {
        return reply
      }
    } catch {
      last = "\(error)"
    }
    Thread.sleep(forTimeInterval: 0.05)
  }
  throw RESPClient.ClientError.io("\(arguments) on port \(port) did not succeed within \(timeout): \(last)")
}
