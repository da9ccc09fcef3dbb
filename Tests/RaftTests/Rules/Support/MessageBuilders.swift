@testable import Raft

extension Message {
  static func append(
    from: NodeID, to: NodeID, term: Term, prev: LogIndex, prevTerm: Term, entries: [LogEntry] = [],
    commit: LogIndex = 0
  ) -> Message {
    Message(
      from: from, to: to, term: term,
      body: .appendEntries(
        AppendEntries(prevLogIndex: prev, prevLogTerm: prevTerm, entries: entries, leaderCommit: commit)))
  }

  static func vote(
    from: NodeID, to: NodeID, term: Term, lastIndex: LogIndex, lastTerm: Term, preVote: Bool = false
  ) -> Message {
    Message(
      from: from, to: to, term: term,
      body: .voteRequest(VoteRequest(isPreVote: preVote, lastLogIndex: lastIndex, lastLogTerm: lastTerm)))
  }

  static func voteReply(from: NodeID, to: NodeID, term: Term, granted: Bool, preVote: Bool = false) -> Message {
    Message(from: from, to: to, term: term, body: .voteResponse(VoteResponse(isPreVote: preVote, granted: granted)))
  }

  static func accepted(from: NodeID, to: NodeID, term: Term, match: LogIndex) -> Message {
    Message(from: from, to: to, term: term, body: .appendResponse(AppendResponse(result: .accepted(matchIndex: match))))
  }

  static func rejected(from: NodeID, to: NodeID, term: Term, index: LogIndex, hint: ConflictHint? = nil) -> Message {
    Message(
      from: from, to: to, term: term,
      body: .appendResponse(AppendResponse(result: .rejected(rejectedIndex: index, hint: hint))))
  }

  static func heartbeat(from: NodeID, to: NodeID, term: Term, commit: LogIndex = 0) -> Message {
    Message(from: from, to: to, term: term, body: .heartbeat(Heartbeat(commitIndex: commit)))
  }

  static func heartbeatReply(from: NodeID, to: NodeID, term: Term, context: UInt64 = 0) -> Message {
    Message(from: from, to: to, term: term, body: .heartbeatResponse(HeartbeatResponse(readContext: context)))
  }

  var heartbeat: Heartbeat? {
    if case .heartbeat(let heartbeat) = body { heartbeat } else { nil }
  }

  var readIndexRequest: ReadIndexRequest? {
    if case .readIndex(let request) = body { request } else { nil }
  }

  var readIndexResponse: ReadIndexResponse? {
    if case .readIndexResponse(let response) = body { response } else { nil }
  }

  var forwardedProposals: ForwardedProposals? {
    if case .forwardedProposals(let forwarded) = body { forwarded } else { nil }
  }

  var forwardedProposalsResponse: ForwardedProposalsResponse? {
    if case .forwardedProposalsResponse(let response) = body { response } else { nil }
  }

  var isTimeoutNow: Bool {
    if case .timeoutNow = body { true } else { false }
  }

  var appendEntries: AppendEntries? {
    if case .appendEntries(let append) = body { append } else { nil }
  }

  var voteRequest: VoteRequest? {
    if case .voteRequest(let request) = body { request } else { nil }
  }

  var voteResponse: VoteResponse? {
    if case .voteResponse(let response) = body { response } else { nil }
  }

  var appendResult: AppendResponse.Result? {
    if case .appendResponse(let response) = body { response.result } else { nil }
  }

  var isHeartbeat: Bool {
    if case .heartbeat = body { true } else { false }
  }

  var isHeartbeatResponse: Bool {
    if case .heartbeatResponse = body { true } else { false }
  }
}
