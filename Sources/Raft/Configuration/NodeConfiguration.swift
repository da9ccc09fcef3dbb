/// The options of one Raft node, validated when it is built: an instance that exists is valid.
///
/// Times are in ticks of the caller's clock (the runtime ticks every few milliseconds; the
/// simulator ticks virtual time).
public struct NodeConfiguration: Sendable {
  /// This node.
  public let id: NodeID
  /// Every voting member of the cluster, this node included, sorted.
  public let members: [NodeID]
  /// Followers wait a random number of ticks in `electionTimeoutTicks ..< 2 * electionTimeoutTicks`
  /// without hearing from a leader before they campaign; a leader with check-quorum steps down
  /// after this many ticks without hearing from a quorum.
  public let electionTimeoutTicks: Int
  /// How often a leader sends heartbeats.
  public let heartbeatIntervalTicks: Int
  /// Ask peers whether they would vote before raising the term, so that a node returning from a
  /// partition cannot disrupt a healthy leader.
  public let preVote: Bool
  /// A leader steps down when it has not heard from a quorum for an election timeout, and
  /// followers that hear from a leader ignore vote requests for that long.
  public let checkQuorum: Bool
  /// The most entries one AppendEntries carries.
  public let maxEntriesPerAppend: Int
  /// The most payload bytes one AppendEntries carries (at least one entry is always sent).
  public let maxBytesPerAppend: Int
  /// The most AppendEntries in flight to one follower.
  public let maxInflightAppends: Int
  /// The most payload bytes in flight to one follower.
  public let maxInflightBytes: Int
  /// The most payload bytes a leader holds uncommitted; proposals past it fail with
  /// ``ProposalError/uncommittedLogFull(limitBytes:)``.
  public let maxUncommittedBytes: Int
  /// How a leader finds where a follower's log diverges.
  public let backtracking: any LogBacktracking
  /// A follower hands proposals made with ``RaftEngine/propose(_:id:)`` to the leader it knows
  /// of; when off, it refuses them with ``ProposalError/notLeader(leaderHint:)``.
  public let forwardProposals: Bool
  /// Take a snapshot once this many entries were applied since the last one; nil never takes
  /// one (the default: the state machine must implement snapshots, see ``StateMachine``).
  /// The log is compacted only behind a snapshot, so without one it grows without bound.
  public let snapshotThreshold: Int?
  /// How many entries before a new snapshot's index the log keeps, so that a follower slightly
  /// behind catches up with entries rather than a whole snapshot. 0 keeps none.
  public let snapshotTrailingEntries: Int
  /// The most snapshot bytes one InstallSnapshot carries. A leader keeps at most
  /// `max(1, min(maxInflightAppends, maxInflightBytes / maxSnapshotChunkBytes))` chunks in
  /// flight to one follower. Keep it well below the transport's frame limit
  /// (``FrameCodec/defaultMaximumLength``, 16 MiB).
  public let maxSnapshotChunkBytes: Int

  /// Builds a validated configuration.
  /// - Throws: ``ConfigurationError`` naming the first invalid value.
  public init(
    id: NodeID,
    members: [NodeID],
    electionTimeoutTicks: Int = 10,
    heartbeatIntervalTicks: Int = 1,
    preVote: Bool = true,
    checkQuorum: Bool = true,
    maxEntriesPerAppend: Int = 1024,
    maxBytesPerAppend: Int = 1 << 20,
    maxInflightAppends: Int = 64,
    maxInflightBytes: Int = 16 << 20,
    maxUncommittedBytes: Int = 64 << 20,
    backtracking: any LogBacktracking = ConflictHintBacktracking(),
    forwardProposals: Bool = true,
    snapshotThreshold: Int? = nil,
    snapshotTrailingEntries: Int = 1024,
    maxSnapshotChunkBytes: Int = 1 << 20
  ) throws(ConfigurationError) {
    guard !members.isEmpty else { throw .emptyCluster }
    if let zero = members.first(where: { $0.rawValue == 0 }) ?? (id.rawValue == 0 ? id : nil) {
      throw .reservedNodeID(zero)
    }
    let sorted = members.sorted()
    for (a, b) in zip(sorted, sorted.dropFirst()) where a == b { throw .duplicateMember(a) }
    guard sorted.contains(id) else { throw .notAMember(id: id, members: sorted) }
    guard heartbeatIntervalTicks > 0 else {
      throw .notPositive(option: "heartbeatIntervalTicks", value: heartbeatIntervalTicks)
    }
    guard electionTimeoutTicks > heartbeatIntervalTicks else {
      throw .electionTimeoutNotAboveHeartbeat(
        electionTimeoutTicks: electionTimeoutTicks, heartbeatIntervalTicks: heartbeatIntervalTicks)
    }
    let limits = [
      ("maxEntriesPerAppend", maxEntriesPerAppend), ("maxBytesPerAppend", maxBytesPerAppend),
      ("maxInflightAppends", maxInflightAppends), ("maxInflightBytes", maxInflightBytes),
      ("maxUncommittedBytes", maxUncommittedBytes),
    ]
    for (option, value) in limits where value <= 0 { throw .notPositive(option: option, value: value) }
    if let snapshotThreshold, snapshotThreshold <= 0 {
      throw .notPositive(option: "snapshotThreshold", value: snapshotThreshold)
    }
    guard snapshotTrailingEntries >= 0 else {
      throw .negative(option: "snapshotTrailingEntries", value: snapshotTrailingEntries)
    }
    guard maxSnapshotChunkBytes > 0 else {
      throw .notPositive(option: "maxSnapshotChunkBytes", value: maxSnapshotChunkBytes)
    }

    self.id = id
    self.members = sorted
    self.peers = sorted.filter { $0 != id }
    self.electionTimeoutTicks = electionTimeoutTicks
    self.heartbeatIntervalTicks = heartbeatIntervalTicks
    self.preVote = preVote
    self.checkQuorum = checkQuorum
    self.maxEntriesPerAppend = maxEntriesPerAppend
    self.maxBytesPerAppend = maxBytesPerAppend
    self.maxInflightAppends = maxInflightAppends
    self.maxInflightBytes = maxInflightBytes
    self.maxUncommittedBytes = maxUncommittedBytes
    self.backtracking = backtracking
    self.forwardProposals = forwardProposals
    self.snapshotThreshold = snapshotThreshold
    self.snapshotTrailingEntries = snapshotTrailingEntries
    self.maxSnapshotChunkBytes = maxSnapshotChunkBytes
  }

  /// The other members, sorted.
  public let peers: [NodeID]
  /// How many members make a majority.
  public var quorum: Int { members.count / 2 + 1 }
}
