// The binary form of each message body. All integers are little-endian; indexes and terms
// are 8 bytes, counts and lengths 4.

extension VoteRequest: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(isPreVote)
    writer.write(lastLogIndex.rawValue)
    writer.write(lastLogTerm.rawValue)
    writer.write(isLeadershipTransfer)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> VoteRequest {
    VoteRequest(
      isPreVote: try reader.readBool(field: "VoteRequest.isPreVote"),
      lastLogIndex: LogIndex(try reader.readUInt64()),
      lastLogTerm: Term(try reader.readUInt64()),
      isLeadershipTransfer: try reader.readBool(field: "VoteRequest.isLeadershipTransfer"))
  }
}

extension VoteResponse: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(isPreVote)
    writer.write(granted)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> VoteResponse {
    VoteResponse(
      isPreVote: try reader.readBool(field: "VoteResponse.isPreVote"),
      granted: try reader.readBool(field: "VoteResponse.granted"))
  }
}

extension LogEntry: WireBody {
  /// index, term, kind and payload length: the least an entry occupies.
  static let minimumWireSize = 8 + 8 + 1 + 4

  public func encode(to writer: inout WireWriter) {
    writer.write(index.rawValue)
    writer.write(term.rawValue)
    writer.write(kind.rawValue)
    writer.writeLengthPrefixed(payload)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> LogEntry {
    let index = LogIndex(try reader.readUInt64())
    let term = Term(try reader.readUInt64())
    let rawKind = try reader.readUInt8()
    guard let kind = EntryKind(rawValue: rawKind) else {
      throw .invalidValue(field: "LogEntry.kind", value: UInt64(rawKind))
    }
    return LogEntry(index: index, term: term, kind: kind, payload: try reader.readLengthPrefixed())
  }
}

extension AppendEntries: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(prevLogIndex.rawValue)
    writer.write(prevLogTerm.rawValue)
    writer.write(leaderCommit.rawValue)
    writer.write(UInt32(truncatingIfNeeded: entries.count))
    for entry in entries { entry.encode(to: &writer) }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> AppendEntries {
    let prevLogIndex = LogIndex(try reader.readUInt64())
    let prevLogTerm = Term(try reader.readUInt64())
    let leaderCommit = LogIndex(try reader.readUInt64())
    let count = try reader.readCount(minimumElementSize: LogEntry.minimumWireSize)
    var entries: [LogEntry] = []
    entries.reserveCapacity(count)
    for _ in 0..<count { entries.append(try LogEntry.decode(from: &reader)) }
    return AppendEntries(
      prevLogIndex: prevLogIndex, prevLogTerm: prevLogTerm, entries: entries, leaderCommit: leaderCommit)
  }
}

extension ConflictHint: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(conflictTerm != nil)
    writer.write(conflictTerm?.rawValue ?? 0)
    writer.write(firstIndexOfConflictTerm.rawValue)
    writer.write(lastLogIndex.rawValue)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ConflictHint {
    let hasTerm = try reader.readBool(field: "ConflictHint.hasTerm")
    let term = Term(try reader.readUInt64())
    return ConflictHint(
      conflictTerm: hasTerm ? term : nil,
      firstIndexOfConflictTerm: LogIndex(try reader.readUInt64()),
      lastLogIndex: LogIndex(try reader.readUInt64()))
  }
}

extension AppendResponse: WireBody {
  public func encode(to writer: inout WireWriter) {
    switch result {
    case .accepted(let matchIndex):
      writer.write(UInt8(0))
      writer.write(matchIndex.rawValue)
    case .rejected(let rejectedIndex, let hint):
      writer.write(UInt8(1))
      writer.write(rejectedIndex.rawValue)
      writer.write(hint != nil)
      hint?.encode(to: &writer)
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> AppendResponse {
    let tag = try reader.readUInt8()
    switch tag {
    case 0:
      return AppendResponse(result: .accepted(matchIndex: LogIndex(try reader.readUInt64())))
    case 1:
      let rejectedIndex = LogIndex(try reader.readUInt64())
      let hint = try reader.readBool(field: "AppendResponse.hasHint") ? try ConflictHint.decode(from: &reader) : nil
      return AppendResponse(result: .rejected(rejectedIndex: rejectedIndex, hint: hint))
    default:
      throw .invalidValue(field: "AppendResponse.result", value: UInt64(tag))
    }
  }
}

extension Heartbeat: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(commitIndex.rawValue)
    writer.write(readContext)
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> Heartbeat {
    Heartbeat(commitIndex: LogIndex(try reader.readUInt64()), readContext: try reader.readUInt64())
  }
}
