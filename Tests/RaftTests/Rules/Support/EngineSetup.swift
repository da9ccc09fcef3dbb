@testable import Raft

/// Describes one engine's starting state so a test can build it in a line: restored term, vote,
/// log and commit index, plus the options under test. Pre-vote and check-quorum default to off
/// so single-engine tests see the plain Figure 2 rules unless they ask for more.
struct EngineSetup {
  var id: NodeID = 1
  var members: [NodeID] = [1, 2, 3]
  var term: Term = 0
  var votedFor: NodeID?
  var log: [LogEntry] = []
  var commitIndex: LogIndex = 0
  var preVote = false
  var checkQuorum = false
  var electionTimeoutTicks = 10
  var heartbeatIntervalTicks = 1
  var maxEntriesPerAppend = 1024
  var maxBytesPerAppend = 1 << 20
  var maxInflightAppends = 64
  var maxInflightBytes = 16 << 20
  var maxUncommittedBytes = 64 << 20
  var backtracking: any LogBacktracking = ConflictHintBacktracking()
  var forwardProposals = true
  var seed: UInt64 = 1
  var snapshot: SnapshotMetadata?
  var snapshotThreshold: Int?
  var snapshotTrailingEntries = 1024
  var maxSnapshotChunkBytes = 1 << 20

  func configuration() throws -> NodeConfiguration {
    try NodeConfiguration(
      id: id, members: members, electionTimeoutTicks: electionTimeoutTicks,
      heartbeatIntervalTicks: heartbeatIntervalTicks, preVote: preVote, checkQuorum: checkQuorum,
      maxEntriesPerAppend: maxEntriesPerAppend, maxBytesPerAppend: maxBytesPerAppend,
      maxInflightAppends: maxInflightAppends, maxInflightBytes: maxInflightBytes,
      maxUncommittedBytes: maxUncommittedBytes, backtracking: backtracking, forwardProposals: forwardProposals,
      snapshotThreshold: snapshotThreshold,
      snapshotTrailingEntries: snapshotTrailingEntries, maxSnapshotChunkBytes: maxSnapshotChunkBytes)
  }

  var persistentState: PersistentState {
    PersistentState(
      hardState: HardState(term: term, votedFor: votedFor, commitIndex: commitIndex), entries: log, snapshot: snapshot)
  }

  /// An engine restored from this state, as after a restart: a follower with nothing pending.
  func engine() throws -> RaftEngine {
    RaftEngine(configuration: try configuration(), restoring: persistentState, seed: seed)
  }

  /// An engine that won an election in `term + 1` with every peer's vote, its no-op written.
  /// The peers in `replicating` acknowledged its whole log, so the leader streams to them
  /// (replicate state); the others are still being probed.
  func leader(replicating: [NodeID] = []) throws -> RaftEngine {
    var engine = try engine()
    engine.campaign()
    _ = engine.flush()
    let peers = try configuration().peers
    if engine.role == .preCandidate {
      for peer in peers where engine.role == .preCandidate {
        _ = engine.receive(.voteReply(from: peer, to: id, term: engine.term.next, granted: true, preVote: true))
      }
    }
    for peer in peers where engine.role == .candidate {
      _ = engine.receive(.voteReply(from: peer, to: id, term: engine.term, granted: true))
    }
    precondition(engine.role == .leader, "setup failed to elect node \(id)")
    _ = engine.flush()
    for peer in replicating {
      _ = engine.receive(.accepted(from: peer, to: id, term: engine.term, match: engine.log.lastIndex))
    }
    return engine
  }
}

/// Which ``LogBacktracking`` a parameterized test runs with.
enum BacktrackingChoice: String, CaseIterable, Sendable, CustomStringConvertible {
  case decrement
  case conflictHint

  var strategy: any LogBacktracking {
    switch self {
    case .decrement: DecrementBacktracking()
    case .conflictHint: ConflictHintBacktracking()
    }
  }

  var description: String { rawValue }
}

extension RaftLog {
  /// Every entry the log holds (empty for an empty log), safe to call on any log.
  var allEntries: [LogEntry] { lastIndex < firstIndex ? [] : Array(entries(in: firstIndex...lastIndex)) }
}

/// Hand-built logs.
enum TestLog {
  /// Entries whose terms are `terms`, from index `start` on; payloads name their index.
  static func terms(_ terms: [UInt64], from start: LogIndex = 1) -> [LogEntry] {
    terms.enumerated().map { offset, term in
      let index = start + UInt64(offset)
      return LogEntry(index: index, term: Term(term), payload: Array("e\(index)".utf8))
    }
  }

  /// A ``RaftLog`` holding `terms`, as restored from storage.
  static func raftLog(_ terms: [UInt64]) -> RaftLog { RaftLog(recovered: Self.terms(terms)) }
}
