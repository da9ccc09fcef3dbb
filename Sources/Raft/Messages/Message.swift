/// A message between two Raft nodes. Every message carries the sender's current term.
public struct Message: Hashable, Sendable, CustomStringConvertible {
  public var from: NodeID
  public var to: NodeID
  public var term: Term
  public var body: MessageBody

  public init(from: NodeID, to: NodeID, term: Term, body: MessageBody) {
    self.from = from
    self.to = to
    self.term = term
    self.body = body
  }

  public var description: String { "\(from)->\(to) \(body.kindName) term=\(term)\(body.details)" }
}

/// The kinds of message the engine exchanges.
public enum MessageBody: Hashable, Sendable {
  case voteRequest(VoteRequest)
  case voteResponse(VoteResponse)
  case appendEntries(AppendEntries)
  case appendResponse(AppendResponse)
  case heartbeat(Heartbeat)
  case heartbeatResponse(HeartbeatResponse)
  /// A follower asks the leader to confirm reads (ReadIndex).
  case readIndex(ReadIndexRequest)
  /// The leader's answer to ``readIndex(_:)``.
  case readIndexResponse(ReadIndexResponse)
  /// A follower hands client proposals to the leader.
  case forwardedProposals(ForwardedProposals)
  /// The leader's answer to ``forwardedProposals(_:)``.
  case forwardedProposalsResponse(ForwardedProposalsResponse)
  /// The leader tells the target of a leadership transfer to campaign now.
  case timeoutNow
  /// A chunk of the leader's snapshot.
  case installSnapshot(InstallSnapshot)
  /// A follower's answer to a snapshot chunk.
  case snapshotResponse(SnapshotResponse)

  /// A short name for traces and logs.
  public var kindName: String {
    switch self {
    case .voteRequest(let request): request.isPreVote ? "PreVote" : "Vote"
    case .voteResponse(let response): response.isPreVote ? "PreVoteResp" : "VoteResp"
    case .appendEntries: "App"
    case .appendResponse: "AppResp"
    case .heartbeat: "Heartbeat"
    case .heartbeatResponse: "HeartbeatResp"
    case .readIndex: "ReadIndex"
    case .readIndexResponse: "ReadIndexResp"
    case .forwardedProposals: "Forward"
    case .forwardedProposalsResponse: "ForwardResp"
    case .timeoutNow: "TimeoutNow"
    case .installSnapshot: "Snap"
    case .snapshotResponse: "SnapResp"
    }
  }

  var details: String {
    switch self {
    case .voteRequest(let request):
      " last=\(request.lastLogIndex)@\(request.lastLogTerm)" + (request.isLeadershipTransfer ? " transfer" : "")
    case .voteResponse(let response):
      response.granted ? " granted" : " rejected"
    case .appendEntries(let append):
      " prev=\(append.prevLogIndex)@\(append.prevLogTerm) commit=\(append.leaderCommit)"
        + " entries=[\(append.entries.map(\.description).joined(separator: ", "))]"
    case .appendResponse(let response):
      switch response.result {
      case .accepted(let matchIndex): " accepted match=\(matchIndex)"
      case .rejected(let rejectedIndex, let hint):
        " rejected prev=\(rejectedIndex)" + (hint.map { " hint=\($0)" } ?? "")
      }
    case .heartbeat(let heartbeat):
      " commit=\(heartbeat.commitIndex)" + (heartbeat.readContext == 0 ? "" : " ctx=\(heartbeat.readContext)")
    case .heartbeatResponse(let response): response.readContext == 0 ? "" : " ctx=\(response.readContext)"
    case .readIndex(let request): " reads=\(request.reads.count)"
    case .readIndexResponse(let response): " reads=\(response.reads.count) \(response.result)"
    case .forwardedProposals(let forwarded): " proposals=\(forwarded.proposals.count)"
    case .forwardedProposalsResponse(let response): " outcomes=\(response.outcomes.count)"
    case .timeoutNow: ""
    case .installSnapshot(let chunk):
      " \(chunk.metadata.lastIncludedIndex)@\(chunk.metadata.lastIncludedTerm) offset=\(chunk.offset)"
        + " bytes=\(chunk.data.count)/\(chunk.metadata.size)"
    case .snapshotResponse(let response):
      " \(response.metadata.lastIncludedIndex)@\(response.metadata.lastIncludedTerm) \(response.result)"
    }
  }
}

/// RequestVote (and its pre-vote variant, which asks "would you vote for me?" without
/// changing anyone's term).
public struct VoteRequest: Hashable, Sendable {
  public var isPreVote: Bool
  public var lastLogIndex: LogIndex
  public var lastLogTerm: Term
  /// The candidate campaigns because the leader asked it to (``MessageBody/timeoutNow``): voters
  /// that recently heard from that leader still consider it, instead of ignoring it to protect
  /// the leader (check-quorum's leader stickiness).
  public var isLeadershipTransfer: Bool

  public init(isPreVote: Bool, lastLogIndex: LogIndex, lastLogTerm: Term, isLeadershipTransfer: Bool = false) {
    self.isPreVote = isPreVote
    self.lastLogIndex = lastLogIndex
    self.lastLogTerm = lastLogTerm
    self.isLeadershipTransfer = isLeadershipTransfer
  }
}

public struct VoteResponse: Hashable, Sendable {
  public var isPreVote: Bool
  public var granted: Bool

  public init(isPreVote: Bool, granted: Bool) {
    self.isPreVote = isPreVote
    self.granted = granted
  }
}

/// AppendEntries: replicates `entries` after the entry at `prevLogIndex`, whose term must be
/// `prevLogTerm` on the follower (the consistency check).
public struct AppendEntries: Hashable, Sendable {
  public var prevLogIndex: LogIndex
  public var prevLogTerm: Term
  public var entries: [LogEntry]
  public var leaderCommit: LogIndex

  public init(prevLogIndex: LogIndex, prevLogTerm: Term, entries: [LogEntry], leaderCommit: LogIndex) {
    self.prevLogIndex = prevLogIndex
    self.prevLogTerm = prevLogTerm
    self.entries = entries
    self.leaderCommit = leaderCommit
  }
}

/// The follower's answer to ``AppendEntries``. It names the indexes of the request it answers,
/// so the leader updates its progress from what that request contained, never from its
/// current log length.
public struct AppendResponse: Hashable, Sendable {
  public enum Result: Hashable, Sendable {
    /// The follower's log matches the leader's through `matchIndex`.
    case accepted(matchIndex: LogIndex)
    /// The consistency check failed at `rejectedIndex` (the request's `prevLogIndex`).
    case rejected(rejectedIndex: LogIndex, hint: ConflictHint?)
  }

  public var result: Result

  public init(result: Result) { self.result = result }
}

/// The follower's description of a conflict, which lets the leader skip a whole term per round
/// trip instead of one entry (XTerm, XIndex, XLen of the MIT 6.824 notes).
public struct ConflictHint: Hashable, Sendable, CustomStringConvertible {
  /// XTerm: the term of the follower's entry at the rejected index, or nil if its log is shorter.
  public var conflictTerm: Term?
  /// XIndex: the first index the follower holds with `conflictTerm`.
  public var firstIndexOfConflictTerm: LogIndex
  /// XLen: the follower's last log index.
  public var lastLogIndex: LogIndex

  public init(conflictTerm: Term?, firstIndexOfConflictTerm: LogIndex, lastLogIndex: LogIndex) {
    self.conflictTerm = conflictTerm
    self.firstIndexOfConflictTerm = firstIndexOfConflictTerm
    self.lastLogIndex = lastLogIndex
  }

  public var description: String {
    "(xterm=\(conflictTerm.map(String.init(describing:)) ?? "none") xindex=\(firstIndexOfConflictTerm) xlen=\(lastLogIndex))"
  }
}

/// The leader's periodic heartbeat. `commitIndex` is capped at what the follower is known to
/// hold, so a follower can commit from it without the consistency check.
public struct Heartbeat: Hashable, Sendable {
  public var commitIndex: LogIndex
  /// The leader's latest read round (0: none yet). The follower echoes it, and an echo of a
  /// round proves the follower still accepted this leader after that round began (ReadIndex).
  public var readContext: UInt64

  public init(commitIndex: LogIndex, readContext: UInt64 = 0) {
    self.commitIndex = commitIndex
    self.readContext = readContext
  }
}

/// The follower's answer to a ``Heartbeat``.
public struct HeartbeatResponse: Hashable, Sendable {
  /// The ``Heartbeat/readContext`` of the heartbeat answered.
  public var readContext: UInt64

  public init(readContext: UInt64 = 0) { self.readContext = readContext }
}
