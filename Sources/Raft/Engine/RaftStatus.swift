/// A point-in-time report of one engine's state.
public struct RaftStatus: Hashable, Sendable {
  public var id: NodeID
  public var role: Role
  public var term: Term
  public var votedFor: NodeID?
  public var leader: NodeID?
  public var commitIndex: LogIndex
  public var appliedIndex: LogIndex
  public var lastIndex: LogIndex
  public var persistedIndex: LogIndex
  /// Per-follower progress; empty unless this node leads.
  public var peers: [NodeID: PeerProgress]
}

/// Counters that compare strategies and explain runs. They only grow, across terms.
public struct EngineStatistics: Hashable, Sendable {
  /// Elections this node started (pre-vote rounds not counted).
  public var electionsStarted = 0
  /// Catch-ups completed: a follower that rejected AppendEntries and then matched.
  public var catchUps = 0
  /// Round trips those catch-ups took: every rejected probe plus the accepted one.
  public var catchUpRoundTrips = 0
  /// AppendEntries and heartbeats this node sent as leader.
  public var appendMessagesSent = 0
  /// Entries this node sent in AppendEntries as leader.
  public var entriesSent = 0
  /// Snapshots this node took (reported with ``RaftEngine/snapshotTaken(_:)``).
  public var snapshotsTaken = 0
  /// Snapshots this node received complete and verified from a leader.
  public var snapshotsInstalled = 0
  /// Snapshot chunks (probes included) and snapshot bytes this node sent as leader.
  public var snapshotChunksSent = 0
  public var snapshotBytesSent = 0
  /// Snapshots this node received whose checksum failed.
  public var snapshotChecksumMismatches = 0
  /// Transfers this node as leader restarted from byte 0 because the follower's checksum failed.
  public var snapshotTransfersRestarted = 0

  public init() {}
}
