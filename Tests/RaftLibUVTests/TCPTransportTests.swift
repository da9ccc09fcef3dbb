import Raft
import Synchronization
import Testing

@testable import RaftLibUV

#if canImport(Glibc)
  import Glibc
#endif

@Suite("TCP transport")
struct TCPTransportTests {
  @Test("A peer that never reads: the send queue stays bounded, messages drop, the peer is reported unreachable")
  func backpressure() async throws {
    let loop = try EventLoop(name: "backpressure")
    // A listener whose connections are never read (the kernel completes them without accept).
    let sink = try ListeningSocket()
    let limit = 256 * 1024
    let transport = TCPTransport(
      configuration: TCPTransportConfiguration(
        clusterID: "bp", node: 1, listenAddress: SocketAddress(host: "127.0.0.1", port: 0),
        peers: [2: SocketAddress(host: "127.0.0.1", port: sink.port)], sendQueueLimitBytes: limit),
      eventLoop: loop)
    let unreachable = Locked<[NodeID]>([])
    try transport.start(handler: { event in
      if case .unreachable(let peer) = event { unreachable.withLock { $0.append(peer) } }
    })
    let payload = [UInt8](repeating: 7, count: 60_000)
    let message = Message(
      from: 1, to: 2, term: 1,
      body: .appendEntries(
        AppendEntries(
          prevLogIndex: 0, prevLogTerm: 0, entries: [LogEntry(index: 1, term: 1, payload: payload)], leaderCommit: 0)))
    try await waitUntil("an unreachable report") {
      transport.send(Array(repeating: message, count: 20))
      let queued = try transport.queuedBytes(to: 2)
      #expect(queued <= limit)
      return !unreachable.value.isEmpty
    }
    #expect(unreachable.value.allSatisfy { $0 == 2 })
    #expect(transport.statistics.messagesDropped > 0)
    #expect(try transport.queuedBytes(to: 2) <= limit)
    transport.stop()
    sink.close()
    await loop.shutdown()
  }

  @Test("Reconnection delays double up to the cap and carry jitter")
  func backoff() {
    var backoff = ReconnectBackoff(initialMilliseconds: 20, maximumMilliseconds: 1000)
    var random = SystemRandomNumberGenerator()
    var delays: [UInt64] = []
    for _ in 0..<12 { delays.append(backoff.nextDelay(using: &random)) }
    for (attempt, delay) in delays.enumerated() {
      let ceiling = min(1000, UInt64(20) << UInt64(attempt))
      #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay) ms")
    }
    backoff.reset()
    #expect(backoff.nextDelay(using: &random) <= 20)
  }

  @Test("Listening on a taken port fails with a typed error, not a crash")
  func addressInUse() async throws {
    let loop = try EventLoop(name: "in-use")
    let first = TCPTransport(
      configuration: TCPTransportConfiguration(
        clusterID: "x", node: 1, listenAddress: SocketAddress(host: "127.0.0.1", port: 0)), eventLoop: loop)
    let bound = try first.listen()
    let second = TCPTransport(
      configuration: TCPTransportConfiguration(clusterID: "x", node: 2, listenAddress: bound), eventLoop: loop)
    #expect(throws: LibUVError.self) { try second.listen() }
    let bad = TCPTransport(
      configuration: TCPTransportConfiguration(
        clusterID: "x", node: 3, listenAddress: SocketAddress(host: "not-an-ip", port: 0)), eventLoop: loop)
    #expect(throws: LibUVError.self) { try bad.listen() }
    first.stop()
    second.stop()
    bad.stop()
    await loop.shutdown()
  }
}

/// A POSIX listening socket on 127.0.0.1 that never accepts.
final class ListeningSocket: Sendable {
  let descriptor: Int32
  let port: UInt16

  init() throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw SocketError(operation: "listen", code: errno) }
    descriptor = fd
    port = UInt16(bigEndian: address.sin_port)
  }

  func close() { _ = Glibc.close(descriptor) }
}

@Suite("TCP transport: source address")
struct TCPSourceAddressTests {
  @Test("Outgoing connections bind to the configured source address; an unusable one fails and retries")
  func sourceAddress() async throws {
    let loop = try EventLoop(name: "source")
    func transport(_ id: NodeID, source: String?) -> TCPTransport {
      TCPTransport(
        configuration: TCPTransportConfiguration(
          clusterID: "src", node: id, listenAddress: SocketAddress(host: "127.0.0.1", port: 0), sourceAddress: source,
          reconnectMaximumDelay: .milliseconds(50)),
        eventLoop: loop)
    }
    let receiver = transport(1, source: nil)
    let sender = transport(2, source: "127.0.0.2")  // all of 127/8 is local on Linux
    let misconfigured = transport(3, source: "192.0.2.1")  // TEST-NET-1: not on this host
    let address = try receiver.listen()
    for (id, other) in [(NodeID(2), sender), (NodeID(3), misconfigured)] {
      try receiver.setPeerAddress(try other.listen(), for: id)
      try other.setPeerAddress(address, for: 1)
    }
    let received = Locked<[Message]>([])
    try receiver.start(handler: { if case .received(let message) = $0 { received.withLock { $0.append(message) } } })
    try sender.start(handler: { _ in })
    try misconfigured.start(handler: { _ in })
    let ping = Message(from: 2, to: 1, term: 1, body: .heartbeatResponse(HeartbeatResponse()))
    try await waitUntil("a message from node 2") {
      sender.send([ping])
      return received.value.contains(ping)
    }
    #expect(try receiver.inboundRemotes()[2]?.hasPrefix("127.0.0.2:") == true)
    try await waitUntil("failed attempts from node 3") { misconfigured.statistics.outgoingFailures >= 2 }
    #expect(try receiver.inboundRemotes()[3] == nil)
    for transport in [receiver, sender, misconfigured] { transport.stop() }
    await loop.shutdown()
  }
}
