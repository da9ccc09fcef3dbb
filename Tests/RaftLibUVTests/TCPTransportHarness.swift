import Raft
import RaftLibUV
import RaftTesting
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Three TCP transports on loopback with ephemeral ports, sharing one event loop.
final class TCPTransportHarness: TransportHarness, RawTransportAccess, Sendable {
  let members: [NodeID] = [1, 2, 3]
  let clusterID = "conformance"
  let maximumFrameLength = 64 * 1024
  let handshakeTimeout: Duration = .milliseconds(300)
  let eventLoop: EventLoop
  private let state = Mutex<(ports: [NodeID: UInt16], live: [NodeID: TCPTransport])>(([:], [:]))

  init() throws { eventLoop = try EventLoop(name: "tcp-conformance") }

  func makeTransport(for node: NodeID) throws -> any Transport {
    let (ports, live) = state.withLock { ($0.ports, $0.live) }
    var peers: [NodeID: SocketAddress] = [:]
    for member in members where member != node {
      // Not listening yet: a placeholder that fails to connect until the real port is set.
      peers[member] = SocketAddress(host: "127.0.0.1", port: ports[member] ?? 1)
    }
    let configuration = TCPTransportConfiguration(
      clusterID: clusterID, node: node, listenAddress: SocketAddress(host: "127.0.0.1", port: ports[node] ?? 0),
      peers: peers, sourceAddress: "127.0.0.1", maximumFrameLength: maximumFrameLength,
      handshakeTimeout: handshakeTimeout)
    let transport = TCPTransport(configuration: configuration, eventLoop: eventLoop)
    let bound = try transport.listen()
    for (member, other) in live where member != node {
      try other.setPeerAddress(bound, for: node)
    }
    state.withLock {
      $0.ports[node] = bound.port
      $0.live[node] = transport
    }
    return transport
  }

  var raw: (any RawTransportAccess)? { self }

  func connect(to node: NodeID) throws -> any RawConnection {
    guard let port = state.withLock({ $0.ports[node] }) else { throw SocketError(operation: "no port", code: 0) }
    return try BlockingSocket(connectingTo: port)
  }

  func tearDown() async {
    for transport in state.withLock({ Array($0.live.values) }) { transport.stop() }
    await eventLoop.shutdown()
  }
}

struct SocketError: Error, CustomStringConvertible {
  var operation: String
  var code: Int32
  var description: String { "\(operation) failed: errno \(code)" }
}

/// A plain POSIX socket to 127.0.0.1, the misbehaving peer of the raw checks.
final class BlockingSocket: RawConnection, Sendable {
  private let descriptor: Mutex<Int32>

  init(connectingTo port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      let code = errno
      Glibc.close(fd)
      throw SocketError(operation: "connect", code: code)
    }
    descriptor = Mutex(fd)
  }

  deinit { close() }

  func write(_ bytes: [UInt8]) throws {
    let fd = descriptor.withLock { $0 }
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { throw SocketError(operation: "send", code: errno) }
      offset += sent
    }
  }

  func waitForClose(timeout: Duration) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    var buffer = [UInt8](repeating: 0, count: 4096)
    var polls = 0
    while true {
      let fd = descriptor.withLock { $0 }
      guard fd >= 0 else { return true }
      let received = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
      if received == 0 { return true }
      if received < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
      polls += 1
      // Checked after every wake-up, so a waiter starved past its deadline still looks once more.
      if ContinuousClock.now >= deadline && polls >= 10 { return false }
      if received < 0 { try? await Task.sleep(for: .milliseconds(5)) }
    }
  }

  func close() {
    descriptor.withLock { fd in
      if fd >= 0 { Glibc.close(fd) }
      fd = -1
    }
  }
}
