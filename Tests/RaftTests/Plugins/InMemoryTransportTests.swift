import Synchronization
import Testing

@testable import Raft

/// InMemoryNetwork and InMemoryTransport: delivery, one-way blocks, heal, stop.
@Suite("In-memory transport")
struct InMemoryTransportTests {
  /// What each node received; receivers may run on any thread.
  final class Inboxes: Sendable {
    private let received = Mutex<[NodeID: [Message]]>([:])

    func receiver(for node: NodeID) -> @Sendable (Message) -> Void {
      { message in self.received.withLock { $0[node, default: []].append(message) } }
    }

    func messages(at node: NodeID) -> [Message] { received.withLock { $0[node] ?? [] } }
  }

  private func network(_ nodes: [NodeID]) throws -> (InMemoryNetwork, [NodeID: InMemoryTransport], Inboxes) {
    let network = InMemoryNetwork()
    let inboxes = Inboxes()
    var transports: [NodeID: InMemoryTransport] = [:]
    for node in nodes {
      let transport = network.transport(for: node)
      try transport.start(receiver: inboxes.receiver(for: node))
      transports[node] = transport
    }
    return (network, transports, inboxes)
  }

  private func ping(_ from: NodeID, _ to: NodeID, term: Term = 1) -> Message {
    .heartbeat(from: from, to: to, term: term)
  }

  @Test("A message reaches the node it is addressed to, and only that node, in order")
  func delivery() throws {
    let (_, transports, inboxes) = try network([1, 2, 3])
    transports[1]!.send([ping(1, 2, term: 1), ping(1, 3), ping(1, 2, term: 2)])
    #expect(inboxes.messages(at: 2) == [ping(1, 2, term: 1), ping(1, 2, term: 2)])
    #expect(inboxes.messages(at: 3) == [ping(1, 3)])
    #expect(inboxes.messages(at: 1).isEmpty)
  }

  @Test("A transport sends only messages from its own node")
  func noSpoofing() throws {
    let (_, transports, inboxes) = try network([1, 2, 3])
    transports[1]!.send([ping(3, 2)])
    #expect(inboxes.messages(at: 2).isEmpty)
  }

  @Test("A block is one-way until heal")
  func oneWayBlockAndHeal() throws {
    let (network, transports, inboxes) = try network([1, 2])
    network.block(from: 1, to: 2)
    transports[1]!.send([ping(1, 2)])
    transports[2]!.send([ping(2, 1)])
    #expect(inboxes.messages(at: 2).isEmpty)
    #expect(inboxes.messages(at: 1) == [ping(2, 1)])
    network.heal()
    transports[1]!.send([ping(1, 2)])
    #expect(inboxes.messages(at: 2) == [ping(1, 2)])
  }

  @Test("Disconnect cuts both directions and leaves other links alone")
  func disconnect() throws {
    let (network, transports, inboxes) = try network([1, 2, 3])
    network.disconnect(1, 2)
    transports[1]!.send([ping(1, 2), ping(1, 3)])
    transports[2]!.send([ping(2, 1), ping(2, 3)])
    #expect(inboxes.messages(at: 1).isEmpty)
    #expect(inboxes.messages(at: 2).isEmpty)
    #expect(inboxes.messages(at: 3) == [ping(1, 3), ping(2, 3)])
  }

  @Test("A stopped transport receives nothing more; stop is idempotent; start resumes")
  func stop() throws {
    let (_, transports, inboxes) = try network([1, 2])
    transports[2]!.stop()
    transports[2]!.stop()
    transports[1]!.send([ping(1, 2)])
    #expect(inboxes.messages(at: 2).isEmpty)
    try transports[2]!.start(receiver: inboxes.receiver(for: 2))
    transports[1]!.send([ping(1, 2)])
    #expect(inboxes.messages(at: 2) == [ping(1, 2)])
  }
}
