import RaftLibUV
import Synchronization
import Testing

/// The plain byte-stream helpers (`TCPListener`, `TCPConnection`) that client protocols use.
struct TCPStreamTests {
  @Test func echoesAndClosesAfterQueuedWrites() async throws {
    let loop = try EventLoop(name: "stream-test")
    let received = Mutex<[UInt8]>([])
    let closed = Mutex(false)
    let listener = try loop.runBlocking {
      try TCPListener(on: loop, address: SocketAddress(host: "127.0.0.1", port: 0)) { connection in
        connection.onRead = { bytes in
          connection.write(Array(bytes))
          connection.closeAfterWrites()
        }
        connection.startReading()
      }
    }
    let address = try loop.runBlocking { listener.address }
    #expect(address.port != 0)
    loop.execute {
      TCPConnection.connect(to: address, on: loop) { result in
        guard case .success(let connection) = result else { return }
        connection.onRead = { bytes in received.withLock { $0 += Array(bytes) } }
        connection.onClose = { _ in closed.withLock { $0 = true } }
        connection.startReading()
        connection.write(Array("hello".utf8))
      }
    }
    let deadline = ContinuousClock.now + .seconds(5)
    while !closed.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    #expect(received.withLock { $0 } == Array("hello".utf8))
    #expect(closed.withLock { $0 }, "the server closed after its reply went out")
    try loop.runBlocking { listener.close() }
    await loop.shutdown()
  }

  @Test func aPortInUseAndARefusedConnectionAreTypedErrors() async throws {
    let loop = try EventLoop(name: "stream-test-errors")
    let first = try loop.runBlocking {
      try TCPListener(on: loop, address: SocketAddress(host: "127.0.0.1", port: 0)) { $0.close() }
    }
    let address = try loop.runBlocking { first.address }
    #expect {
      try loop.runBlocking { _ = try TCPListener(on: loop, address: address) { $0.close() } }
    } throws: { ($0 as? LibUVError)?.name == "EADDRINUSE" }
    try loop.runBlocking { first.close() }
    let outcome = Mutex<String?>(nil)
    loop.execute {
      TCPConnection.connect(to: address, on: loop) { result in
        outcome.withLock {
          $0 =
            switch result {
            case .success: "connected"
            case .failure(let error): error.name
            }
        }
      }
    }
    let deadline = ContinuousClock.now + .seconds(5)
    while outcome.withLock({ $0 }) == nil && ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(5))
    }
    #expect(outcome.withLock { $0 } == "ECONNREFUSED")
    await loop.shutdown()
  }
}
