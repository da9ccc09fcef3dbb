import Synchronization

/// A switchboard that connects the ``InMemoryTransport``s of one process.
public final class InMemoryNetwork: Sendable {
  private struct State: Sendable {
    var receivers: [NodeID: @Sendable (Message) -> Void] = [:]
    var blocked: Set<Link> = []
  }

  private struct Link: Hashable, Sendable {
    var from: NodeID
    var to: NodeID
  }

  private let state = Mutex(State())

  public init() {}

  /// A transport for `node` on this network.
  public func transport(for node: NodeID) -> InMemoryTransport { InMemoryTransport(node: node, network: self) }

  /// Drops messages from `from` to `to` until ``heal()`` (a one-way partition).
  public func block(from: NodeID, to: NodeID) {
    _ = state.withLock { $0.blocked.insert(Link(from: from, to: to)) }
  }

  /// Cuts both directions between `a` and `b`.
  public func disconnect(_ a: NodeID, _ b: NodeID) {
    block(from: a, to: b)
    block(from: b, to: a)
  }

  /// Restores every link.
  public func heal() { state.withLock { $0.blocked.removeAll() } }

  func register(_ node: NodeID, receiver: (@Sendable (Message) -> Void)?) {
    state.withLock { $0.receivers[node] = receiver }
  }

  func deliver(_ message: Message) {
    let receiver = state.withLock { state -> (@Sendable (Message) -> Void)? in
      state.blocked.contains(Link(from: message.from, to: message.to)) ? nil : state.receivers[message.to]
    }
    receiver?(message)
  }
}

/// A ``Transport`` that hands messages to other nodes of the same process through an
/// ``InMemoryNetwork``. The receiver runs on the sender's thread; runtimes queue what they
/// receive, as the ``Transport`` contract requires of receivers.
public final class InMemoryTransport: Transport {
  public let node: NodeID
  private let network: InMemoryNetwork

  init(node: NodeID, network: InMemoryNetwork) {
    self.node = node
    self.network = network
  }

  public func start(receiver: @escaping @Sendable (Message) -> Void) throws {
    network.register(node, receiver: receiver)
  }

  public func send(_ messages: [Message]) {
    for message in messages where message.from == node { network.deliver(message) }
  }

  public func stop() { network.register(node, receiver: nil) }
}
