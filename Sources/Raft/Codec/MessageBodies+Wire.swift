// The binary form of each message body. All integers are little-endian; indexes and terms
// are 8 bytes, counts and lengths 4. Log indexes are read through `readLogIndex`, which refuses
// values no real log reaches (above Int64.max), so index arithmetic cannot overflow on them.

extension WireReader {
  /// Reads a log index, refusing values above `Int64.max`.
  mutating func readLogIndex(field: String) throws(DecodeError) -> LogIndex {
    let value = try readUInt64()
    guard value <= UInt64(Int64.max) else { throw .invalidValue(field: field, value: value) }
    return LogIndex(value)
  }
}

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
      lastLogIndex: try reader.readLogIndex(field: "VoteRequest.lastLogIndex"),
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
    let index = try reader.readLogIndex(field: "LogEntry.index")
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
    let prevLogIndex = try reader.readLogIndex(field: "AppendEntries.prevLogIndex")
    let prevLogTerm = Term(try reader.readUInt64())
    let leaderCommit = try reader.readLogIndex(field: "AppendEntries.leaderCommit")
    let count = try reader.readCount(minimumElementSize: LogEntry.minimumWireSize)
    var entries: [LogEntry] = []
    entries.reserveCapacity(count)
    var previousTerm = prevLogTerm
    for offset in 0..<count {
      let entry = try LogEntry.decode(from: &reader)
      // A well-formed batch continues the log right after prevLogIndex with terms that never
      // fall; anything else is corruption, refused here so the engine never sees it.
      guard entry.index == prevLogIndex + UInt64(offset + 1) else {
        throw .invalidValue(field: "AppendEntries.entries[\(offset)].index", value: entry.index.rawValue)
      }
      guard entry.term >= previousTerm else {
        throw .invalidValue(field: "AppendEntries.entries[\(offset)].term", value: entry.term.rawValue)
      }
      previousTerm = entry.term
      entries.append(entry)
    }
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
      firstIndexOfConflictTerm: try reader.readLogIndex(field: "ConflictHint.firstIndexOfConflictTerm"),
      lastLogIndex: try reader.readLogIndex(field: "ConflictHint.lastLogIndex"))
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
      return AppendResponse(result: .accepted(matchIndex: try reader.readLogIndex(field: "AppendResponse.matchIndex")))
    case 1:
      let rejectedIndex = try reader.readLogIndex(field: "AppendResponse.rejectedIndex")
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
    Heartbeat(
      commitIndex: try reader.readLogIndex(field: "Heartbeat.commitIndex"), readContext: try reader.readUInt64())
  }
}
