import Raft

/// Builds the transports of one cluster for ``TransportConformance``.
///
/// Implement it once per transport (ours and yours) and run every
/// ``TransportConformance/Check`` against it.
public protocol TransportHarness: Sendable {
  /// The cluster's members; the checks use the first three, so list at least three.
  var members: [NodeID] { get }

  /// A new transport for `node`, ready to ``Transport/start(handler:)``. Called again for the
  /// same node after its previous transport stopped, to model a restart: the new transport must
  /// be reachable the way the old one was (for TCP, on the same address).
  func makeTransport(for node: NodeID) throws -> any Transport

  /// Byte-level access to nodes, for transports that carry bytes; nil for those that do not
  /// (the in-memory transport), which makes the byte-level checks not applicable.
  var raw: (any RawTransportAccess)? { get }

  /// Releases what the harness holds (event loops, sockets). Called once, at the end.
  func tearDown() async
}

/// Lets a check act as a misbehaving peer that writes arbitrary bytes to a node.
public protocol RawTransportAccess: Sendable {
  /// The cluster id the nodes' handshakes use.
  var clusterID: String { get }
  /// The frame length limit the nodes enforce.
  var maximumFrameLength: Int { get }
  /// How long a node waits for a handshake before closing a silent connection.
  var handshakeTimeout: Duration { get }
  /// Opens a byte stream to `node` where its peers would connect.
  func connect(to node: NodeID) throws -> any RawConnection
}

/// One raw byte stream to a node.
public protocol RawConnection: Sendable {
  /// Writes all of `bytes`. Throws if the node already closed the connection.
  func write(_ bytes: [UInt8]) throws
  /// Waits up to `timeout` for the node to close the connection; true if it did.
  func waitForClose(timeout: Duration) async -> Bool
  /// Closes this end.
  func close()
}
