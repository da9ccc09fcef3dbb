import Raft

/// The text transcripts print. Kept here, not taken from the engine's `description`s, so that
/// a cosmetic change in the engine does not rewrite every script, and so that entries without a
/// payload (seeded logs) print without a dangling space.
enum TranscriptFormat {
  /// `3@2 x`, `1@1 noop`, or `4@1` for a command without payload.
  static func entry(_ entry: LogEntry) -> String {
    let position = "\(entry.index)@\(entry.term)"
    switch entry.kind {
    case .command:
      return entry.payload.isEmpty ? position : "\(position) \(String(decoding: entry.payload, as: UTF8.self))"
    case .noop: return "\(position) noop"
    case .configuration: return "\(position) conf"
    }
  }

  static func entries(_ entries: some Sequence<LogEntry>) -> String {
    "[" + entries.map(entry).joined(separator: ", ") + "]"
  }

  static func vote(_ vote: NodeID?) -> String { vote.map(String.init(describing:)) ?? "none" }

  static func hardState(_ state: HardState) -> String {
    "term=\(state.term) vote=\(vote(state.votedFor)) commit=\(state.commitIndex)"
  }

  /// `1->2 App term=2 prev=3@1 commit=3 entries=[4@2 x]`
  static func message(_ message: Message) -> String {
    "\(message.from)->\(message.to) \(message.body.kindName) term=\(message.term)\(details(of: message.body))"
  }

  private static func details(of body: MessageBody) -> String {
    switch body {
    case .voteRequest(let request):
      return " last=\(request.lastLogIndex)@\(request.lastLogTerm)"
    case .voteResponse(let response):
      return response.granted ? " granted" : " rejected"
    case .appendEntries(let append):
      return " prev=\(append.prevLogIndex)@\(append.prevLogTerm) commit=\(append.leaderCommit)"
        + " entries=\(entries(append.entries))"
    case .appendResponse(let response):
      switch response.result {
      case .accepted(let matchIndex):
        return " accepted match=\(matchIndex)"
      case .rejected(let rejectedIndex, let hint):
        return " rejected prev=\(rejectedIndex)" + (hint.map { " hint=\(conflictHint($0))" } ?? "")
      }
    case .heartbeat(let heartbeat):
      return " commit=\(heartbeat.commitIndex)"
    case .heartbeatResponse:
      return ""
    case .readIndex, .readIndexResponse, .forwardedProposals, .forwardedProposalsResponse, .timeoutNow:
      return ""
    case .installSnapshot(let chunk):
      return " snapshot=\(chunk.metadata.lastIncludedIndex)@\(chunk.metadata.lastIncludedTerm)"
        + " offset=\(chunk.offset) bytes=\(chunk.data.count)/\(chunk.metadata.size)"
    case .snapshotResponse(let response):
      return " snapshot=\(response.metadata.lastIncludedIndex)@\(response.metadata.lastIncludedTerm)"
        + " \(response.result)"
    }
  }

  /// `snapshot 5@2 size=7`
  static func snapshot(_ metadata: SnapshotMetadata) -> String {
    "snapshot \(metadata.lastIncludedIndex)@\(metadata.lastIncludedTerm) size=\(metadata.size)"
  }

  static func conflictHint(_ hint: ConflictHint) -> String {
    let term = hint.conflictTerm.map(String.init(describing:)) ?? "none"
    return "(xterm=\(term) xindex=\(hint.firstIndexOfConflictTerm) xlen=\(hint.lastLogIndex))"
  }

  /// `1: leader term=2 vote=1 leader=1 commit=3 last=3@2`
  static func summary(of engine: RaftEngine) -> String {
    "\(engine.id): \(engine.role) term=\(engine.term) vote=\(vote(engine.votedFor))"
      + " leader=\(vote(engine.leader)) commit=\(engine.commitIndex) last=\(engine.log.lastIndex)@\(engine.log.lastTerm)"
  }

  static func progress(of peer: NodeID, _ progress: PeerProgress) -> String {
    "\(peer): \(progress.state) match=\(progress.matchIndex) next=\(progress.nextIndex)"
      + " inflight=\(progress.inflightAppends) \(progress.recentlyActive ? "active" : "inactive")"
  }
}
