import Raft
import RaftLibUV

/// The validated shape of what to start: the members, this process's nodes, and the plugins.
struct ClusterLayout: Sendable {
  struct Member: Sendable {
    var id: NodeID
    /// Where the node accepts Raft connections; port 0 in the embedded cluster, filled in once bound.
    var raftAddress: SocketAddress
  }

  /// A node this process runs.
  struct LocalNode: Sendable {
    var id: NodeID
    var raftAddress: SocketAddress
    var clientAddress: SocketAddress
  }

  var members: [Member]
  var local: [LocalNode]
  var embedded: Bool
  var storage: ServerOptions.StorageKind
  var dataDirectory: String?
  var transport: ServerOptions.TransportKind
  var backtracking: any LogBacktracking
  /// Applied entries between snapshots, and how many entries stay behind one; nil: no snapshots.
  var snapshots: (every: Int, keep: Int)?

  /// The embedded cluster: three nodes on loopback, clients from 127.0.0.1:6379 up.
  static let embeddedClientBase = SocketAddress(host: "127.0.0.1", port: 6379)

  init(_ options: ServerOptions) throws(ServerSetupError) {
    transport = options.transport
    backtracking =
      switch options.backtracking {
      case .decrement: DecrementBacktracking()
      case .conflictHint: ConflictHintBacktracking()
      }
    guard options.snapshotEvery >= 0 else {
      throw ServerSetupError("--snapshot-every \(options.snapshotEvery): give a number of entries, or 0 for never")
    }
    snapshots = options.snapshotEvery == 0 ? nil : (options.snapshotEvery, min(256, options.snapshotEvery / 4))
    dataDirectory = options.dataDirectory
    storage = options.storage ?? (options.dataDirectory == nil ? .memory : .file)
    if storage == .file && dataDirectory == nil {
      throw ServerSetupError("--storage file needs --data-dir DIR")
    }
    guard let rawID = options.id else {
      embedded = true
      guard options.listen == nil, options.peer.isEmpty else {
        throw ServerSetupError("--listen and --peer need --id (without --id the embedded 3-node cluster starts)")
      }
      guard storage == .memory else {
        throw ServerSetupError(
          "the embedded cluster keeps its state in memory; start nodes with --id to use --data-dir")
      }
      let base =
        try options.client.map { address throws(ServerSetupError) in
          try parseAddress(address, option: "--client")
        } ?? Self.embeddedClientBase
      guard base.port <= UInt16.max - 2 else {
        throw ServerSetupError("--client port \(base.port) leaves no room for 3 nodes")
      }
      members = (1...3).map { Member(id: NodeID($0), raftAddress: SocketAddress(host: base.host, port: 0)) }
      local = members.map {
        LocalNode(
          id: $0.id, raftAddress: $0.raftAddress,
          clientAddress: SocketAddress(
            host: base.host, port: base.port == 0 ? 0 : base.port + UInt16($0.id.rawValue - 1)))
      }
      return
    }
    embedded = false
    guard rawID > 0 else { throw ServerSetupError("--id 0 is reserved; node ids start at 1") }
    guard transport == .tcp else {
      throw ServerSetupError("--transport memory only works for the embedded cluster (run without --id)")
    }
    guard let listenText = options.listen else {
      throw ServerSetupError("--id needs --listen HOST:PORT for peer connections")
    }
    guard let clientText = options.client else { throw ServerSetupError("--id needs --client HOST:PORT for clients") }
    let id = NodeID(rawID)
    let listen = try parseAddress(listenText, option: "--listen")
    let client = try parseAddress(clientText, option: "--client")
    var members = [Member(id: id, raftAddress: listen)]
    for text in options.peer {
      let (peerID, address) = try parsePeer(text)
      if peerID == rawID { throw ServerSetupError("--peer '\(text)': \(peerID) is this node's own id (--id)") }
      if members.contains(where: { $0.id.rawValue == peerID }) {
        throw ServerSetupError("--peer '\(text)': node id \(peerID) is given twice")
      }
      members.append(Member(id: NodeID(peerID), raftAddress: address))
    }
    self.members = members.sorted { $0.id < $1.id }
    local = [LocalNode(id: id, raftAddress: listen, clientAddress: client)]
  }
}
