import DequeModule

/// The Raft protocol as a pure, deterministic value.
///
/// The engine performs no I/O and reads no clock: its caller feeds it inputs (``tick()``,
/// ``step(_:)``, ``propose(_:)``, ``acknowledgePersisted(through:)``) and collects the
/// resulting work with ``ready()``. Given the same configuration, seed and inputs, it produces
/// the same outputs, byte for byte.
///
/// The caller's loop:
/// 1. feed inputs;
/// 2. call ``ready()``; write its ``Ready/persistence`` request (in order, then acknowledge it),
///    send its ``Ready/messages`` and ``Ready/snapshotChunks``, restore its
///    ``Ready/snapshotToRestore``, apply its ``Ready/committedEntries``, take its
///    ``Ready/snapshotToTake`` (then report it with ``snapshotTaken(_:)``);
/// 3. repeat.
///
/// Messages that depend on state not yet durable (a vote, an acknowledgement of entries, a
/// new term) are held inside the engine until their write is acknowledged, so a caller cannot
/// break the persistence rules of Figure 2 by sending too early.
public struct RaftEngine: Sendable {
  public let configuration: NodeConfiguration
  var random: any RandomNumberGenerator & Sendable

  // Persistent state (Figure 2), made durable through `ready()`.
  public internal(set) var term: Term = .zero
  public internal(set) var votedFor: NodeID?
  public internal(set) var log: RaftLog

  // Volatile state.
  public internal(set) var role: Role = .follower
  public internal(set) var leader: NodeID?
  public internal(set) var commitIndex: LogIndex = .zero
  /// The last index handed out in ``Ready/committedEntries``.
  public internal(set) var appliedIndex: LogIndex = .zero
  public internal(set) var statistics = EngineStatistics()
  /// The latest snapshot this node holds durably (taken, installed or recovered), if any.
  public internal(set) var snapshot: SnapshotMetadata?
  var snapshotBookkeeping = SnapshotBookkeeping()

  var electionElapsed = 0
  var heartbeatElapsed = 0
  var randomizedElectionTimeout = 0
  var votes: [NodeID: Bool] = [:]
  var progress: [NodeID: Progress] = [:]
  var uncommittedBytes = 0
  var needsBroadcast = false
  // Client requests beyond the leader's own proposals.
  var reads = ReadIndexState()
  var forwarding = ForwardingState()
  var transfer: LeadershipTransferState?

  // Persistence bookkeeping.
  var submittedHardState: HardState
  var nextPersistenceID: UInt64 = 1
  var pendingWrites = Deque<PendingWrite>()
  /// Messages that wait for the next write to become durable.
  var heldMessages: [Message] = []
  /// Messages safe to send now.
  var outbox: [Message] = []

  struct PendingWrite: Sendable {
    var id: PersistenceID
    var logEndIndex: LogIndex
    var logEndTerm: Term
    var messages: [Message]
  }

  /// Creates an engine from durable state, drawing randomness from `seed`.
  public init(configuration: NodeConfiguration, restoring state: PersistentState = PersistentState(), seed: UInt64) {
    self.init(configuration: configuration, restoring: state, generator: SeededGenerator(seed: seed))
  }

  /// Creates an engine from durable state, drawing randomness from `generator`.
  public init(
    configuration: NodeConfiguration,
    restoring state: PersistentState = PersistentState(),
    generator: some RandomNumberGenerator & Sendable
  ) {
    self.configuration = configuration
    self.random = generator
    self.log = RaftLog(recovered: state.entries, snapshot: state.snapshot)
    self.term = state.hardState.term
    self.votedFor = state.hardState.votedFor
    self.commitIndex = min(state.hardState.commitIndex, log.lastIndex)
    if let snapshot = state.snapshot {
      // A snapshot covers committed entries only, even if the commit index was not yet durable.
      self.snapshot = snapshot
      self.commitIndex = max(commitIndex, snapshot.lastIncludedIndex)
      snapshotBookkeeping.restore = snapshot
    }
    self.submittedHardState = state.hardState
    resetElectionTimer()
  }

  public var id: NodeID { configuration.id }

  /// The state to persist (see ``PersistenceRequest``).
  public var hardState: HardState { HardState(term: term, votedFor: votedFor, commitIndex: commitIndex) }

  public var status: RaftStatus {
    RaftStatus(
      id: id, role: role, term: term, votedFor: votedFor, leader: leader,
      commitIndex: commitIndex, appliedIndex: appliedIndex, lastIndex: log.lastIndex,
      persistedIndex: log.persistedIndex,
      peers: progress.mapValues {
        PeerProgress(
          matchIndex: $0.matchIndex, nextIndex: $0.nextIndex, state: $0.state,
          inflightAppends: $0.inflight.count, inflightBytes: $0.inflightBytes,
          recentlyActive: $0.recentlyActive)
      }
    )
  }

  // MARK: Inputs

  /// Advances the logical clock by one tick.
  public mutating func tick() {
    if !reads.pending.isEmpty { tickReads() }
    if !forwarding.awaiting.isEmpty { tickForwarding() }
    if transfer != nil { tickLeadershipTransfer() }
    if role == .leader {
      tickLeader()
    } else {
      electionElapsed += 1
      if electionElapsed >= randomizedElectionTimeout { startElection() }
    }
  }

  /// Starts an election now, as if the election timer had fired.
  public mutating func campaign() {
    if role != .leader { startElection() }
  }

  /// Proposes a command. The entry is replicated once ``ready()`` is called, so proposals
  /// made together travel together.
  /// - Returns: the index the command will have if it commits in the current term.
  /// - Throws: ``ProposalError``; every case is retryable.
  @discardableResult
  public mutating func propose(_ command: [UInt8]) throws(ProposalError) -> LogIndex {
    guard role == .leader else { throw .notLeader(leaderHint: leader) }
    if let transfer { throw .leadershipTransferInProgress(to: transfer.target) }
    let limit = configuration.maxUncommittedBytes
    if uncommittedBytes > 0 && uncommittedBytes + command.count > limit {
      throw .uncommittedLogFull(limitBytes: limit)
    }
    uncommittedBytes += command.count
    let index = log.lastIndex + 1
    log.append(LogEntry(index: index, term: term, kind: .command, payload: command))
    needsBroadcast = true
    return index
  }

  /// Handles a message from a peer.
  public mutating func step(_ message: Message) {
    guard message.to == id, message.from != id, configuration.members.contains(message.from) else { return }
    guard admitTerm(of: message) else { return }

    switch message.body {
    case .voteRequest(let request):
      handleVoteRequest(request, from: message.from, term: message.term)
    case .voteResponse(let response):
      handleVoteResponse(response, from: message.from)
    case .appendEntries(let append):
      followLeader(message.from)
      handleAppendEntries(append, from: message.from)
    case .heartbeat(let heartbeat):
      followLeader(message.from)
      handleHeartbeat(heartbeat, from: message.from)
    case .appendResponse(let response):
      guard role == .leader else { return }
      handleAppendResponse(response, from: message.from)
      if transfer != nil { continueLeadershipTransfer(after: message.from) }
    case .heartbeatResponse(let response):
      guard role == .leader else { return }
      handleHeartbeatResponse(from: message.from)
      recordReadAcknowledgement(response.readContext, from: message.from)
    case .readIndex(let request):
      handleReadIndexRequest(request, from: message.from)
    case .readIndexResponse(let response):
      handleReadIndexResponse(response, from: message.from)
    case .forwardedProposals(let forwarded):
      handleForwardedProposals(forwarded, from: message.from)
    case .forwardedProposalsResponse(let response):
      handleForwardedProposalsResponse(response)
    case .timeoutNow:
      handleTimeoutNow()
    case .installSnapshot(let chunk):
      followLeader(message.from)
      handleInstallSnapshot(chunk, from: message.from)
    case .snapshotResponse(let response):
      guard role == .leader else { return }
      handleSnapshotResponse(response, from: message.from)
    }
  }

  /// Tells the leader that messages to `peer` are not getting through (a broken connection,
  /// a full send queue), so it stops streaming and probes instead.
  public mutating func reportUnreachable(_ peer: NodeID) {
    guard role == .leader, progress[peer]?.state == .replicate else { return }
    progress[peer]!.becomeProbe()
  }

  // MARK: Outputs

  /// Collects the work produced since the last call.
  public mutating func ready() -> Ready {
    if !reads.pending.isEmpty { advanceReads() }
    if !forwarding.outgoing.isEmpty { sendForwardedProposals() }
    if needsBroadcast {
      needsBroadcast = false
      if role == .leader { broadcastAppend(sendIfEmpty: false) }
    }
    let persistence = submitPersistence()
    var messages: [Message] = []
    if !outbox.isEmpty {
      // Only when there is something to hand over: the copy shares the outbox's buffer, so
      // emptying the outbox allocates a new one.
      messages = outbox
      outbox.removeAll(keepingCapacity: true)
    }
    let snapshotToRestore = isAwaitingRestore ? takeSnapshotToRestore() : nil
    var committedEntries: [LogEntry] = []
    let applicable = min(commitIndex, log.persistedIndex)
    if applicable > appliedIndex && !isAwaitingRestore {
      committedEntries = Array(log.entries(in: (appliedIndex + 1)...applicable))
      appliedIndex = applicable
    }
    var clientOutputs: ClientOutputs?
    if !reads.isIdle || !forwarding.outcomes.isEmpty {
      let readOutputs = takeReadOutputs()
      let outputs = ClientOutputs(
        readsReady: readOutputs.ready, failedReads: readOutputs.failed, proposalOutcomes: takeProposalOutcomes())
      if !outputs.isEmpty { clientOutputs = outputs }
    }
    let snapshotToTake = configuration.snapshotThreshold == nil ? nil : takeSnapshotRequest()
    // Built once from its parts: filling in a Ready field by field copied it twice per call.
    guard snapshotToRestore != nil || snapshotToTake != nil || !snapshotBookkeeping.outgoingChunks.isEmpty else {
      return Ready(
        persistence: persistence, messages: messages, committedEntries: committedEntries, clientOutputs: clientOutputs)
    }
    var ready = Ready(
      persistence: persistence, messages: messages, committedEntries: committedEntries,
      snapshotToRestore: snapshotToRestore, snapshotToTake: snapshotToTake, snapshotChunks: takeSnapshotChunks())
    ready.clientOutputs = clientOutputs
    return ready
  }

  /// Storage reports that every request up to and including `id` is durable.
  public mutating func acknowledgePersisted(through id: PersistenceID) {
    while let write = pendingWrites.first, write.id <= id {
      pendingWrites.removeFirst()
      log.markPersisted(through: write.logEndIndex, term: write.logEndTerm)
      outbox.append(contentsOf: write.messages)
    }
    noteSnapshotWritesDurable(through: id)
    if role == .leader, advanceCommitIndex() { broadcastAppend(sendIfEmpty: true) }
  }
}
