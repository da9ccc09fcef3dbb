/// The first frame a connecting node sends: which cluster it belongs to, who it is and whom it
/// means to reach. The receiver refuses (closes) a connection whose handshake names another
/// cluster, a node it does not know, or a different destination, so a misconfigured address
/// can never mix two clusters' messages.
public struct Handshake: Hashable, Sendable, WireBody {
  /// The longest cluster identifier, in UTF-8 bytes.
  public static let maximumClusterIDBytes = 255

  /// The cluster's name, the same on every member.
  public var clusterID: String
  /// The connecting node.
  public var from: NodeID
  /// The node the caller means to reach.
  public var to: NodeID

  /// A handshake; a `clusterID` longer than ``maximumClusterIDBytes`` is cut when encoded.
  public init(clusterID: String, from: NodeID, to: NodeID) {
    self.clusterID = clusterID
    self.from = from
    self.to = to
  }

  public func encode(to writer: inout WireWriter) {
    let name = Array(clusterID.utf8.prefix(Self.maximumClusterIDBytes))
    writer.write(UInt8(name.count))
    writer.bytes.append(contentsOf: name)
    writer.write(from.rawValue)
    writer.write(to.rawValue)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> Handshake {
    let name = try reader.readBytes(Int(try reader.readUInt8()))
    guard let clusterID = String(validating: name, as: UTF8.self) else {
      throw .invalidValue(field: "Handshake.clusterID", value: UInt64(name.count))
    }
    return Handshake(clusterID: clusterID, from: NodeID(try reader.readUInt64()), to: NodeID(try reader.readUInt64()))
  }
}
