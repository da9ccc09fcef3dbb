// The binary form of the snapshot messages. Integers are little-endian; indexes, terms,
// offsets and sizes are 8 bytes, counts and lengths 4, the checksum 4.

extension SnapshotMetadata: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(lastIncludedIndex.rawValue)
    writer.write(lastIncludedTerm.rawValue)
    writer.write(UInt32(truncatingIfNeeded: members.count))
    for member in members { writer.write(member.rawValue) }
    writer.write(size)
    writer.write(checksum)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> SnapshotMetadata {
    let index = LogIndex(try reader.readUInt64())
    let term = Term(try reader.readUInt64())
    let count = try reader.readCount(minimumElementSize: 8)
    var members: [NodeID] = []
    members.reserveCapacity(count)
    for _ in 0..<count { members.append(NodeID(try reader.readUInt64())) }
    return SnapshotMetadata(
      lastIncludedIndex: index, lastIncludedTerm: term, members: members, size: try reader.readUInt64(),
      checksum: try reader.readUInt32())
  }
}

extension InstallSnapshot: WireBody {
  public func encode(to writer: inout WireWriter) {
    metadata.encode(to: &writer)
    writer.write(offset)
    writer.writeLengthPrefixed(data)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> InstallSnapshot {
    InstallSnapshot(
      metadata: try .decode(from: &reader), offset: try reader.readUInt64(), data: try reader.readLengthPrefixed())
  }
}

extension SnapshotResponse: WireBody {
  public func encode(to writer: inout WireWriter) {
    metadata.encode(to: &writer)
    switch result {
    case .received(let offset):
      writer.write(UInt8(0))
      writer.write(offset)
    case .gap(let offset):
      writer.write(UInt8(1))
      writer.write(offset)
    case .position(let offset):
      writer.write(UInt8(2))
      writer.write(offset)
    case .installed:
      writer.write(UInt8(3))
    case .checksumMismatch:
      writer.write(UInt8(4))
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> SnapshotResponse {
    let metadata = try SnapshotMetadata.decode(from: &reader)
    let tag = try reader.readUInt8()
    let result: Result
    switch tag {
    case 0: result = .received(offset: try reader.readUInt64())
    case 1: result = .gap(offset: try reader.readUInt64())
    case 2: result = .position(offset: try reader.readUInt64())
    case 3: result = .installed
    case 4: result = .checksumMismatch
    default: throw .invalidValue(field: "SnapshotResponse.result", value: UInt64(tag))
    }
    return SnapshotResponse(metadata: metadata, result: result)
  }
}
