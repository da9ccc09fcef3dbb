import ExampleSupport
import Raft
import RaftLibUV
import Synchronization

/// Where each node serves clients, as the log says (a leader announces its own address when it
/// is elected), so followers know where to forward.
final class ClientDirectory: Sendable {
  private let addresses = Mutex<[NodeID: SocketAddress]>([:])

  subscript(node: NodeID) -> SocketAddress? { addresses.withLock { $0[node] } }

  /// Every known address, by node.
  var all: [NodeID: SocketAddress] {
    get { addresses.withLock { $0 } }
    set { addresses.withLock { $0 = newValue } }
  }

  func record(_ address: SocketAddress, for node: NodeID) { addresses.withLock { $0[node] = address } }
}

/// The log entries the server writes: a service command, or a leader's client address.
enum ServerEntry: Equatable {
  case service([UInt8])
  case clientAddress(NodeID, SocketAddress)

  private static let serviceTag: UInt8 = 0
  private static let addressTag: UInt8 = 1

  var encoded: [UInt8] {
    switch self {
    case .service(let bytes): return [Self.serviceTag] + bytes
    case .clientAddress(let node, let address):
      var bytes = [Self.addressTag]
      withUnsafeBytes(of: node.rawValue.littleEndian) { bytes.append(contentsOf: $0) }
      withUnsafeBytes(of: address.port.littleEndian) { bytes.append(contentsOf: $0) }
      bytes.append(contentsOf: address.host.utf8)
      return bytes
    }
  }

  init?(decoding bytes: [UInt8]) {
    guard let tag = bytes.first else { return nil }
    switch tag {
    case Self.serviceTag: self = .service(Array(bytes.dropFirst()))
    case Self.addressTag where bytes.count > 11:
      var node: UInt64 = 0
      for offset in (1...8).reversed() { node = node << 8 | UInt64(bytes[offset]) }
      let port = UInt16(bytes[9]) | UInt16(bytes[10]) << 8
      self = .clientAddress(
        NodeID(node), SocketAddress(host: String(decoding: bytes[11...], as: UTF8.self), port: port))
    default: return nil
    }
  }
}

/// The service's state machine plus the server's own entries.
struct ServerStateMachine<Inner: QueryableStateMachine & StateCodable>: StateMachine {
  var inner: Inner
  let directory: ClientDirectory

  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    switch ServerEntry(decoding: command) {
    case .service(let bytes): return inner.apply(bytes, at: index)
    case .clientAddress(let node, let address):
      directory.record(address, for: node)
      return []
    case nil: return Replies.malformedEntry
    }
  }
}

extension ServerStateMachine {
  /// Answers a read from the local replica: the seam for ReadIndex reads, which run it once the
  /// node knows its state is current.
  func query(_ entry: ServiceEntry) -> [UInt8] { inner.query(entry) }
}

extension ServerStateMachine {
  /// The directory of client addresses, then the service's state.
  func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    var state = StateWriter()
    let addresses = directory.all.sorted { $0.key < $1.key }
    state.write(UInt64(addresses.count))
    for (node, address) in addresses {
      state.write(node.rawValue)
      state.write(UInt64(address.port))
      state.write(bytes: Array(address.host.utf8))
    }
    state.write(bytes: inner.encodedState())
    try writer.write(state.bytes)
  }

  mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    var bytes: [UInt8] = []
    while true {
      let chunk = try reader.read(maxCount: 64 << 10)
      if chunk.isEmpty { break }
      bytes += chunk
    }
    do throws(StateDecodingError) {
      var state = StateReader(bytes)
      var addresses: [NodeID: SocketAddress] = [:]
      for _ in 0..<(try state.readCount(minimumItemBytes: 24)) {
        let node = NodeID(try state.readUInt64())
        let port = try state.readUInt64()
        let host = String(decoding: try state.readBytes(), as: UTF8.self)
        guard let port = UInt16(exactly: port) else { throw StateDecodingError("port \(port) out of range") }
        addresses[node] = SocketAddress(host: host, port: port)
      }
      let innerState = try state.readBytes()
      try state.expectEnd()
      try inner.restoreState(from: innerState)
      directory.all = addresses
    } catch {
      throw SnapshotError.malformed(error.reason)
    }
  }
}
