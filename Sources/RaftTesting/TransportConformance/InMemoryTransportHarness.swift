import Raft

/// Runs ``TransportConformance`` against ``InMemoryTransport``: one network, three nodes.
public struct InMemoryTransportHarness: TransportHarness {
  private let network = InMemoryNetwork()

  /// A harness with a fresh network.
  public init() {}

  public var members: [NodeID] { [1, 2, 3] }

  public func makeTransport(for node: NodeID) throws -> any Transport { network.transport(for: node) }

  /// In-memory transports hand over values, never bytes.
  public var raw: (any RawTransportAccess)? { nil }

  public func tearDown() async {}
}
