// The binary form of the heartbeat answer and of the read, forwarding and transfer messages.
// Same conventions as MessageBodies+Wire.swift: little-endian, 8-byte ids, indexes and terms,
// 4-byte counts; enums as a tag byte then their fields.

extension HeartbeatResponse: WireBody {
  public func encode(to writer: inout WireWriter) { writer.write(readContext) }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> HeartbeatResponse {
    HeartbeatResponse(readContext: try reader.readUInt64())
  }
}

extension ReadIndexRequest: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(UInt32(truncatingIfNeeded: reads.count))
    for read in reads { writer.write(read.rawValue) }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ReadIndexRequest {
    ReadIndexRequest(reads: try readReadIDs(from: &reader))
  }
}

extension ReadIndexResponse: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(UInt32(truncatingIfNeeded: reads.count))
    for read in reads { writer.write(read.rawValue) }
    switch result {
    case .confirmed(let index):
      writer.write(UInt8(0))
      writer.write(index.rawValue)
    case .refused(let error):
      writer.write(UInt8(1))
      error.encode(to: &writer)
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ReadIndexResponse {
    let reads = try readReadIDs(from: &reader)
    let tag = try reader.readUInt8()
    switch tag {
    case 0:
      return ReadIndexResponse(
        reads: reads, result: .confirmed(readIndex: try reader.readLogIndex(field: "ReadIndexResponse.readIndex")))
    case 1: return ReadIndexResponse(reads: reads, result: .refused(try ReadError.decode(from: &reader)))
    default: throw .invalidValue(field: "ReadIndexResponse.result", value: UInt64(tag))
    }
  }
}

private func readReadIDs(from reader: inout WireReader) throws(DecodeError) -> [ReadRequestID] {
  let count = try reader.readCount(minimumElementSize: 8)
  var reads: [ReadRequestID] = []
  reads.reserveCapacity(count)
  for _ in 0..<count { reads.append(ReadRequestID(try reader.readUInt64())) }
  return reads
}

extension ReadError: WireBody {
  public func encode(to writer: inout WireWriter) {
    switch self {
    case .noLeader:
      writer.write(UInt8(0))
    case .notLeader(let hint):
      writer.write(UInt8(1))
      writer.write(hint != nil)
      writer.write(hint?.rawValue ?? 0)
    case .leadershipLost:
      writer.write(UInt8(2))
    case .timedOut(let ticks):
      writer.write(UInt8(3))
      writer.write(UInt64(clamping: ticks))
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ReadError {
    let tag = try reader.readUInt8()
    switch tag {
    case 0: return .noLeader
    case 1: return .notLeader(leaderHint: try readOptionalNode(from: &reader, field: "ReadError.hasHint"))
    case 2: return .leadershipLost
    case 3: return .timedOut(ticks: try readInt(from: &reader, field: "ReadError.ticks"))
    default: throw .invalidValue(field: "ReadError", value: UInt64(tag))
    }
  }
}

extension ProposalError: WireBody {
  public func encode(to writer: inout WireWriter) {
    switch self {
    case .notLeader(let hint):
      writer.write(UInt8(0))
      writer.write(hint != nil)
      writer.write(hint?.rawValue ?? 0)
    case .uncommittedLogFull(let limit):
      writer.write(UInt8(1))
      writer.write(UInt64(clamping: limit))
    case .noLeader:
      writer.write(UInt8(2))
    case .leadershipTransferInProgress(let target):
      writer.write(UInt8(3))
      writer.write(target.rawValue)
    case .forwardedOutcomeUnknown:
      writer.write(UInt8(4))
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ProposalError {
    let tag = try reader.readUInt8()
    switch tag {
    case 0: return .notLeader(leaderHint: try readOptionalNode(from: &reader, field: "ProposalError.hasHint"))
    case 1: return .uncommittedLogFull(limitBytes: try readInt(from: &reader, field: "ProposalError.limitBytes"))
    case 2: return .noLeader
    case 3: return .leadershipTransferInProgress(to: NodeID(try reader.readUInt64()))
    case 4: return .forwardedOutcomeUnknown
    default: throw .invalidValue(field: "ProposalError", value: UInt64(tag))
    }
  }
}

extension ProposalOutcome: WireBody {
  /// id and tag: the least an outcome occupies.
  static let minimumWireSize = 8 + 1

  public func encode(to writer: inout WireWriter) {
    writer.write(id.rawValue)
    switch result {
    case .appended(let index, let term):
      writer.write(UInt8(0))
      writer.write(index.rawValue)
      writer.write(term.rawValue)
    case .failed(let error):
      writer.write(UInt8(1))
      error.encode(to: &writer)
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ProposalOutcome {
    let id = ProposalID(try reader.readUInt64())
    let tag = try reader.readUInt8()
    switch tag {
    case 0:
      let index = try reader.readLogIndex(field: "ProposalOutcome.index")
      return ProposalOutcome(id: id, result: .appended(index: index, term: Term(try reader.readUInt64())))
    case 1:
      return ProposalOutcome(id: id, result: .failed(try ProposalError.decode(from: &reader)))
    default:
      throw .invalidValue(field: "ProposalOutcome.result", value: UInt64(tag))
    }
  }
}

extension ForwardedProposals: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(UInt32(truncatingIfNeeded: proposals.count))
    for proposal in proposals {
      writer.write(proposal.id.rawValue)
      writer.writeLengthPrefixed(proposal.command)
    }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ForwardedProposals {
    let count = try reader.readCount(minimumElementSize: 8 + 4)
    var proposals: [ForwardedProposal] = []
    proposals.reserveCapacity(count)
    for _ in 0..<count {
      let id = ProposalID(try reader.readUInt64())
      proposals.append(ForwardedProposal(id: id, command: try reader.readLengthPrefixed()))
    }
    return ForwardedProposals(proposals: proposals)
  }
}

extension ForwardedProposalsResponse: WireBody {
  public func encode(to writer: inout WireWriter) {
    writer.write(UInt32(truncatingIfNeeded: outcomes.count))
    for outcome in outcomes { outcome.encode(to: &writer) }
  }

  public static func decode(from reader: inout WireReader) throws(DecodeError) -> ForwardedProposalsResponse {
    let count = try reader.readCount(minimumElementSize: ProposalOutcome.minimumWireSize)
    var outcomes: [ProposalOutcome] = []
    outcomes.reserveCapacity(count)
    for _ in 0..<count { outcomes.append(try ProposalOutcome.decode(from: &reader)) }
    return ForwardedProposalsResponse(outcomes: outcomes)
  }
}

private func readOptionalNode(from reader: inout WireReader, field: String) throws(DecodeError) -> NodeID? {
  let present = try reader.readBool(field: field)
  let raw = try reader.readUInt64()
  return present ? NodeID(raw) : nil
}

/// A count or limit sent as 8 bytes, which must fit an `Int`.
private func readInt(from reader: inout WireReader, field: String) throws(DecodeError) -> Int {
  let raw = try reader.readUInt64()
  guard raw <= UInt64(Int.max) else { throw .invalidValue(field: field, value: raw) }
  return Int(raw)
}
