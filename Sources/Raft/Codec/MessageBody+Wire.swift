// The one place that maps each message kind to its frame kind and body codec. Adding a
// message kind adds one line to each switch.

extension MessageBody {
  /// The frame kind that carries this body.
  public var frameKind: FrameKind {
    switch self {
    case .voteRequest: .voteRequest
    case .voteResponse: .voteResponse
    case .appendEntries: .appendEntries
    case .appendResponse: .appendResponse
    case .heartbeat: .heartbeat
    case .heartbeatResponse: .heartbeatResponse
    case .readIndex: .readIndex
    case .readIndexResponse: .readIndexResponse
    case .forwardedProposals: .forwardedProposals
    case .forwardedProposalsResponse: .forwardedProposalsResponse
    case .timeoutNow: .timeoutNow
    case .installSnapshot: .installSnapshot
    case .snapshotResponse: .snapshotResponse
    }
  }

  func encodeBody(to writer: inout WireWriter) {
    switch self {
    case .voteRequest(let body): body.encode(to: &writer)
    case .voteResponse(let body): body.encode(to: &writer)
    case .appendEntries(let body): body.encode(to: &writer)
    case .appendResponse(let body): body.encode(to: &writer)
    case .heartbeat(let body): body.encode(to: &writer)
    case .heartbeatResponse(let body): body.encode(to: &writer)
    case .readIndex(let body): body.encode(to: &writer)
    case .readIndexResponse(let body): body.encode(to: &writer)
    case .forwardedProposals(let body): body.encode(to: &writer)
    case .forwardedProposalsResponse(let body): body.encode(to: &writer)
    case .timeoutNow: break
    case .installSnapshot(let body): body.encode(to: &writer)
    case .snapshotResponse(let body): body.encode(to: &writer)
    }
  }

  /// Decodes the body of a message frame of `kind`; nil if `kind` is not a message kind.
  static func decodeBody(kind: FrameKind, from reader: inout WireReader) throws(DecodeError) -> MessageBody? {
    switch kind {
    case .voteRequest: .voteRequest(try .decode(from: &reader))
    case .voteResponse: .voteResponse(try .decode(from: &reader))
    case .appendEntries: .appendEntries(try .decode(from: &reader))
    case .appendResponse: .appendResponse(try .decode(from: &reader))
    case .heartbeat: .heartbeat(try .decode(from: &reader))
    case .heartbeatResponse: .heartbeatResponse(try .decode(from: &reader))
    case .readIndex: .readIndex(try .decode(from: &reader))
    case .readIndexResponse: .readIndexResponse(try .decode(from: &reader))
    case .forwardedProposals: .forwardedProposals(try .decode(from: &reader))
    case .forwardedProposalsResponse: .forwardedProposalsResponse(try .decode(from: &reader))
    case .timeoutNow: .timeoutNow
    case .installSnapshot: .installSnapshot(try .decode(from: &reader))
    case .snapshotResponse: .snapshotResponse(try .decode(from: &reader))
    case .handshake: nil
    }
  }
}
