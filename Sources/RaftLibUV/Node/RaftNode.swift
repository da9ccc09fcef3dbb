import CLibUV
import Raft

/// One Raft node running for real: an engine, a transport, a storage and a state machine on a
/// libuv ``EventLoop``.
///
/// The engine and the state machine are touched only on the loop thread, so they need no
/// locks. Every public method may be called from any thread or task: calls hop to the loop
/// through its `uv_async_t` queue, and what arrives between two turns of the loop is handled
/// together, so proposals submitted together travel in one append and one storage write.
///
/// On the loop: a libuv timer ticks the engine; transport events are stepped into it; each
/// `Ready` is handed out (the write to storage, whose completion comes back through the loop;
/// the messages and snapshot chunks to the transport; a received snapshot restored into the
/// state machine, then committed entries applied in order, then a snapshot taken when the
/// engine asks), and a proposal's caller gets the state machine's response once its entry is
/// applied.
///
/// Several nodes can share one loop (the in-memory transport runs a whole cluster in one
/// process that way), or each can have its own.
public final class RaftNode: @unchecked Sendable {
  // @unchecked: every mutable property below is confined to `eventLoop`'s thread.

  private enum Phase { case idle, running, stopping, stopped }

  /// The node's protocol configuration.
  public let configuration: NodeConfiguration
  /// The loop the node runs on.
  public let eventLoop: EventLoop
  /// This node's id.
  public var id: NodeID { configuration.id }

  private let ownsEventLoop: Bool
  private let storage: any Storage
  private let transport: any Transport
  private let options: RaftNodeOptions
  let log: NodeLogger

  private var engine: RaftEngine
  private var stateMachine: any StateMachine
  private var phase = Phase.idle
  private var stopError: RaftNodeError?
  private var inbox: [TransportEvent] = []
  private var needsReady = false
  private var flushing = false
  private var nextTurn: LoopIdle?
  private var ticker: LoopTimer?
  private var proposals = PendingProposals()
  /// Reads waiting for the engine to confirm them: each runs its closure when called with nil,
  /// or fails with the error.
  private var reads: [ReadRequestID: (RaftNodeError?) -> Void] = [:]
  private var nextReadID: UInt64 = 1
  /// Proposals forwarded to the leader, waiting for the index it appended them at.
  private var forwarded: [ProposalID: PendingProposals.Completion] = [:]
  private var nextProposalID: UInt64 = 1
  private var writesInFlight = 0
  private var stopWaiters: [CheckedContinuation<Void, Never>] = []
  private var observed: (term: Term, role: Role, leader: NodeID?, commit: LogIndex)

  /// A node that is not started yet.
  /// - Parameters:
  ///   - configuration: the Raft protocol settings; its id is this node's.
  ///   - storage: recovered once, when the node starts.
  ///   - transport: started by the node, stopped when it stops.
  ///   - eventLoop: the loop to run on; nil creates one that the node owns and shuts down when
  ///     it stops.
  ///   - stateMachine: starts empty; the node replays the committed log into it.
  ///   - options: runtime settings: tick interval, seed, logger.
  public init(
    configuration: NodeConfiguration, storage: any Storage, transport: any Transport, stateMachine: any StateMachine,
    eventLoop: EventLoop? = nil, options: RaftNodeOptions = RaftNodeOptions()
  ) throws {
    self.configuration = configuration
    self.storage = storage
    self.transport = transport
    self.stateMachine = stateMachine
    self.options = options
    self.ownsEventLoop = eventLoop == nil
    self.eventLoop = try eventLoop ?? EventLoop(name: "raft-node-\(configuration.id)")
    self.log = options.logger.map { NodeLogger($0, node: configuration.id) } ?? .quiet(node: configuration.id)
    self.engine = RaftEngine(configuration: configuration, seed: 0)
    self.observed = (.zero, .follower, nil, .zero)
  }

  // MARK: Lifecycle

  /// Recovers the durable state from storage, starts the transport and the ticks.
  /// - Throws: the storage's or transport's error, or ``RaftNodeError/stopping`` if the node
  ///   was stopped. A node starts at most once.
  public func start() async throws {
    try await eventLoop.submit { try self.startOnLoop() }
  }

  private func startOnLoop() throws {
    guard phase == .idle else { throw RaftNodeError.stopping }
    let recovered = try storage.recover()
    let seed = options.seed ?? UInt64.random(in: .min ... .max)
    engine = RaftEngine(configuration: configuration, restoring: recovered, seed: seed)
    observed = (engine.term, engine.role, engine.leader, engine.commitIndex)
    log.term = engine.term
    // Events that arrive before the node is running are dropped by `receive`; Raft retries.
    try transport.start(handler: { [self] event in
      if eventLoop.inLoopThread {
        receive(event)
      } else {
        eventLoop.execute { self.receive(event) }
      }
    })
    nextTurn = LoopIdle(on: eventLoop) { [unowned self] in self.flush() }
    let interval = max(1, options.tickInterval.milliseconds)
    let ticker = LoopTimer(on: eventLoop)
    ticker.start(delayMilliseconds: interval, repeatMilliseconds: interval) { [unowned self] in self.tick() }
    self.ticker = ticker
    phase = .running
    log.log(
      .info, .node,
      "started with term \(recovered.hardState.term), \(recovered.entries.count) entries, commit \(recovered.hardState.commitIndex)"
    )
    requestFlush()
  }

  /// Stops gracefully: refuses new work (pending proposals fail with
  /// ``RaftNodeError/stopping``; they may still commit on other nodes), stops ticking and
  /// closes the transport's connections, and waits for the storage writes in flight to finish.
  /// Idempotent; returns once the node is stopped.
  public func stop() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      if !eventLoop.execute({ self.beginStop(continuation, error: .stopping) }) { continuation.resume() }
    }
    if ownsEventLoop { await eventLoop.shutdown() }
  }

  private func beginStop(_ waiter: CheckedContinuation<Void, Never>?, error: RaftNodeError) {
    if let waiter { stopWaiters.append(waiter) }
    switch phase {
    case .idle:
      phase = .stopped
      finishStop()
    case .stopped:
      finishStop()
    case .stopping:
      break
    case .running:
      phase = .stopping
      stopError = error
      log.log(error == .stopping ? .info : .critical, .node, "stopping: \(error)")
      ticker?.close()
      ticker = nil
      transport.stop()
      inbox.removeAll()
      proposals.failAll { _ in error }
      failAllReads(error)
      let waiting = forwarded
      forwarded.removeAll()
      for completion in waiting.values { completion(.failure(error)) }
      if writesInFlight == 0 { finishStop() }
    }
  }

  private func finishStop() {
    if phase == .stopping {
      phase = .stopped
      nextTurn?.close()
      nextTurn = nil
      log.log(.info, .node, "stopped")
    }
    let waiters = stopWaiters
    stopWaiters.removeAll()
    for waiter in waiters { waiter.resume() }
  }

  // MARK: Public API

  /// Proposes `command` and returns the state machine's response once the command is
  /// committed and applied on this node.
  ///
  /// On a follower (with `NodeConfiguration/forwardProposals`, the default) the command is
  /// forwarded to the leader, and the response is this node's state machine's once the entry
  /// is applied here. Proposals made together are appended, replicated and written together.
  /// Cancelling the calling task does not withdraw a proposal.
  /// - Throws: ``RaftNodeError``: ``RaftNodeError/notLeader(leaderHint:)`` (nil hint: no leader
  ///   known yet), ``RaftNodeError/leadershipLost(term:)``, ``RaftNodeError/uncommittedLogFull(limitBytes:)``,
  ///   ``RaftNodeError/stopping``; all retryable.
  public func propose(_ command: [UInt8]) async throws(RaftNodeError) -> [UInt8] {
    let result = await withCheckedContinuation {
      (continuation: CheckedContinuation<Result<[UInt8], RaftNodeError>, Never>) in
      propose(command) { continuation.resume(returning: $0) }
    }
    return try result.get()
  }

  /// Runs `body` against the state machine once a linearizable read is confirmed, and returns
  /// what it returns.
  ///
  /// The node asks the leader (itself, or the one it knows, so this works on followers) for
  /// the commit index through ReadIndex: the leader confirms it still leads with a heartbeat
  /// round to a quorum, and `body` runs on this node's loop thread once this node has applied
  /// through that index. So `body` sees every write acknowledged before `read` was called, and
  /// a leader cut off from its quorum never answers. Reads requested together share one round.
  ///
  /// `body` runs on the loop thread: keep it short, and do not call back into the node from it.
  /// Cast the state machine to the type the node was created with.
  /// - Throws: ``RaftNodeError/notLeader(leaderHint:)`` (no leader known yet, or the node asked
  ///   does not lead), ``RaftNodeError/leadershipLost(term:)`` (leadership changed, or no quorum
  ///   confirmed it within an election timeout), ``RaftNodeError/stopping``,
  ///   ``RaftNodeError/notStarted`` (all retryable: a read has no effect), or what `body` throws.
  public func read<Value: Sendable>(
    _ body: @escaping @Sendable (any StateMachine) throws -> Value
  ) async throws -> Value {
    let result = await withCheckedContinuation {
      (continuation: CheckedContinuation<Result<Value, any Error>, Never>) in
      let accepted = eventLoop.execute {
        self.submitRead { [unowned self] error in
          if let error { return continuation.resume(returning: .failure(error)) }
          continuation.resume(returning: Result { try body(self.stateMachine) })
        }
      }
      if !accepted { continuation.resume(returning: .failure(RaftNodeError.stopping)) }
    }
    return try result.get()
  }

  /// A point-in-time report: role, term, leader, commit and applied index, and on a leader the
  /// progress of each follower.
  /// - Throws: ``RaftNodeError/stopping`` if the node's loop is shut down.
  public func status() async throws(RaftNodeError) -> RaftStatus {
    let status = await withCheckedContinuation { (continuation: CheckedContinuation<RaftStatus?, Never>) in
      if !eventLoop.execute({ continuation.resume(returning: self.engine.status) }) {
        continuation.resume(returning: nil)
      }
    }
    guard let status else { throw .stopping }
    return status
  }

  /// Asks this node, the leader, to hand leadership to `target`: it stops taking proposals,
  /// brings `target`'s log up to date, and tells it to campaign at once. Returns once the
  /// transfer has started; it ends when `target` wins (watch ``status()``), or is abandoned
  /// after an election timeout, after which this node takes proposals again. Proposals made
  /// meanwhile fail with ``RaftNodeError/notLeader(leaderHint:)`` naming `target`.
  /// - Throws: `LeadershipTransferError` if this node does not lead, `target` is not another
  ///   member, or a transfer to another member is under way; ``RaftNodeError/stopping`` or
  ///   ``RaftNodeError/notStarted`` if the node is not running.
  public func transferLeadership(to target: NodeID) async throws {
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<(any Error)?, Never>) in
      let accepted = eventLoop.execute {
        guard self.phase == .running else {
          return continuation.resume(returning: self.phase == .idle ? RaftNodeError.notStarted : RaftNodeError.stopping)
        }
        do {
          try self.engine.transferLeadership(to: target)
          self.log.log(.info, .lead, "transferring leadership to \(target)")
          self.requestFlush()
          continuation.resume(returning: nil)
        } catch {
          continuation.resume(returning: error)
        }
      }
      if !accepted { continuation.resume(returning: RaftNodeError.stopping) }
    }
    if let result { throw result }
  }

  /// Starts an election now instead of waiting for the election timeout (for tests, and for
  /// operators moving leadership by hand).
  public func campaign() {
    eventLoop.execute {
      guard self.phase == .running else { return }
      self.engine.campaign()
      self.requestFlush()
    }
  }

  // MARK: The loop

  func submitProposal(_ command: [UInt8], completion: @escaping PendingProposals.Completion) {
    guard phase == .running else { return completion(.failure(phase == .idle ? .notStarted : stopError ?? .stopping)) }
    let id = ProposalID(nextProposalID)
    nextProposalID += 1
    do {
      switch try engine.propose(command, id: id) {
      case .appended(let index, let term): proposals.add(index: index, term: term, completion: completion)
      case .forwarded: forwarded[id] = completion
      }
      requestFlush()
    } catch {
      completion(.failure(RaftNodeError(error)))
    }
  }

  /// Turns the leader's answers to forwarded proposals into waits for their entries. Runs before
  /// the same Ready's entries are applied (`appliedBefore` is where applying stood before them),
  /// so an entry committed in it still finds its waiter.
  private func settleForwarded(_ outcomes: [ProposalOutcome], appliedBefore: LogIndex) {
    for outcome in outcomes {
      guard let completion = forwarded.removeValue(forKey: outcome.id) else { continue }
      switch outcome.result {
      case .appended(let index, let term) where index > appliedBefore:
        proposals.add(index: index, term: term, completion: completion)
      case .appended(_, let term):
        // Applied before the answer came: the response is gone, and the caller learns only that
        // it may have committed. The leader answers before its entries leave, so over a transport
        // that keeps each link's order this does not happen.
        completion(.failure(.leadershipLost(term: term)))
      case .failed(.forwardedOutcomeUnknown):
        completion(.failure(.leadershipLost(term: engine.term)))
      case .failed(let error):
        completion(.failure(RaftNodeError(error)))
      }
    }
  }

  private func submitRead(_ completion: @escaping (RaftNodeError?) -> Void) {
    guard phase == .running else { return completion(phase == .idle ? .notStarted : stopError ?? .stopping) }
    let id = ReadRequestID(nextReadID)
    nextReadID += 1
    do {
      try engine.requestRead(id)
      reads[id] = completion
      requestFlush()
    } catch {
      completion(RaftNodeError(error, term: engine.term))
    }
  }

  /// Answers confirmed reads (after this Ready's entries were applied) and failed ones.
  private func settleReads(_ ready: Ready) {
    for read in ready.failedReads {
      reads.removeValue(forKey: read.id)?(RaftNodeError(read.error, term: engine.term))
    }
    for read in ready.readsReady {
      guard let completion = reads.removeValue(forKey: read.id) else { continue }
      // The engine hands a read out only once this node applied through its index; a check
      // costs nothing and guards the promise.
      if engine.appliedIndex >= read.index {
        completion(nil)
      } else {
        completion(.leadershipLost(term: engine.term))
      }
    }
  }

  private func failAllReads(_ error: RaftNodeError) {
    let waiting = reads
    reads.removeAll()
    for completion in waiting.values { completion(error) }
  }

  private func receive(_ event: TransportEvent) {
    guard phase == .running else { return }
    inbox.append(event)
    requestFlush()
  }

  private func tick() {
    guard phase == .running else { return }
    let before = engine.role
    engine.tick()
    if engine.role != before, engine.role == .preCandidate || engine.role == .candidate {
      log.log(.debug, .timer, "election timeout: no word from a leader; campaigning as \(engine.role)")
    }
    requestFlush()
  }

  private func requestFlush() {
    needsReady = true
    if !flushing { nextTurn?.schedule() }
  }

  /// Steps what arrived, then hands out the engine's work until there is none.
  private func flush() {
    flushing = true
    defer { flushing = false }
    while needsReady && phase == .running {
      needsReady = false
      if !inbox.isEmpty {
        let events = inbox
        inbox.removeAll(keepingCapacity: true)
        for event in events {
          switch event {
          case .received(let message): engine.step(message)
          case .unreachable(let peer): engine.reportUnreachable(peer)
          }
        }
      }
      let ready = engine.ready()
      if let request = ready.persistence { persist(request) }
      if !ready.messages.isEmpty { transport.send(ready.messages) }
      if !ready.snapshotChunks.isEmpty { sendSnapshotChunks(ready.snapshotChunks) }
      // The order the engine requires: restore, then apply what follows, then take.
      if let snapshot = ready.snapshotToRestore {
        guard restoreSnapshot(snapshot) else { return }
      }
      if !ready.proposalOutcomes.isEmpty {
        // The engine counts this Ready's entries as applied already; they are not, yet.
        let appliedBefore = ready.committedEntries.first.map { $0.index - 1 } ?? engine.appliedIndex
        settleForwarded(ready.proposalOutcomes, appliedBefore: appliedBefore)
      }
      if !ready.committedEntries.isEmpty { apply(ready.committedEntries) }
      if !ready.readsReady.isEmpty || !ready.failedReads.isEmpty { settleReads(ready) }
      if let request = ready.snapshotToTake { takeSnapshot(request) }
      noteChanges()
    }
  }

  private func persist(_ request: PersistenceRequest) {
    writesInFlight += 1
    let id = request.id
    if log.enabled(.trace) {
      log.log(
        .trace, .persist,
        "write \(id): \(request.entries.count) entries, hard state \(request.hardState.map { "\($0)" } ?? "unchanged")")
    }
    storage.persist(request) { [self] result in
      if eventLoop.inLoopThread {
        persisted(id, result)
      } else {
        eventLoop.execute { self.persisted(id, result) }
      }
    }
  }

  private func persisted(_ id: PersistenceID, _ result: Result<Void, any Error>) {
    writesInFlight -= 1
    switch result {
    case .success:
      if phase == .running {
        engine.acknowledgePersisted(through: id)
        requestFlush()
      }
    case .failure(let error):
      log.log(.critical, .persist, "write \(id) failed: \(error)")
      if phase == .running { beginStop(nil, error: .storageFailed("\(error)")) }
    }
    if phase == .stopping && writesInFlight == 0 { finishStop() }
  }

  private func apply(_ entries: [LogEntry]) {
    for entry in entries {
      let response = entry.kind == .command ? stateMachine.apply(entry.payload, at: entry.index) : nil
      proposals.applied(entry, response: response)
    }
    if log.enabled(.trace) { log.log(.trace, .commit, "applied through \(engine.appliedIndex)") }
  }

  /// Reads each chunk from storage and sends it. A chunk of a snapshot the storage no longer
  /// holds is dropped: the transfer recovers as from a lost message.
  private func sendSnapshotChunks(_ chunks: [OutgoingSnapshotChunk]) {
    var messages: [Message] = []
    for chunk in chunks {
      do {
        let data = try storage.readSnapshot(chunk.metadata, from: chunk.offset, maxCount: chunk.count)
        messages.append(chunk.message(data: data))
      } catch {
        log.log(.debug, .snapshot, "dropping \(chunk): \(error)")
      }
    }
    if !messages.isEmpty { transport.send(messages) }
  }

  /// Replaces the state machine's state with a stored snapshot. A failure is fatal: the node
  /// cannot apply what follows the snapshot without it. - Returns: whether it succeeded.
  private func restoreSnapshot(_ metadata: SnapshotMetadata) -> Bool {
    var reader = storage.snapshotReader(for: metadata)
    do {
      try stateMachine.restoreSnapshot(from: &reader)
      log.log(.info, .snapshot, "restored \(metadata)")
      return true
    } catch {
      log.log(.critical, .snapshot, "cannot restore \(metadata): \(error)")
      beginStop(nil, error: .storageFailed("cannot restore snapshot \(metadata): \(error)"))
      return false
    }
  }

  /// Has the state machine write a snapshot into storage and tells the engine how it went.
  private func takeSnapshot(_ request: SnapshotRequest) {
    do {
      var sink = try storage.beginSnapshot(request)
      do {
        try stateMachine.writeSnapshot(to: &sink)
        let metadata = try sink.finish()
        engine.snapshotTaken(metadata)
        log.log(.info, .snapshot, "took \(metadata)")
      } catch {
        sink.abandon()
        throw error
      }
    } catch {
      log.log(.warning, .snapshot, "snapshot at \(request.index) failed: \(error)")
      engine.snapshotFailed()
    }
    needsReady = true
  }

  /// Logs term, role, leader and commit changes, and fails proposals of a lost leadership.
  private func noteChanges() {
    let now = (term: engine.term, role: engine.role, leader: engine.leader, commit: engine.commitIndex)
    if now.term != observed.term {
      log.term = now.term
      log.log(.debug, .term, "term \(observed.term) -> \(now.term)")
    }
    if now.role != observed.role {
      let topic: LogTopic = now.role == .leader || observed.role == .leader ? .lead : .vote
      log.log(now.role == .leader ? .info : .debug, topic, "\(observed.role) -> \(now.role)")
    }
    if now.leader != observed.leader {
      log.log(
        .debug, .lead, "leader \(observed.leader.map { "\($0)" } ?? "none") -> \(now.leader.map { "\($0)" } ?? "none")")
    }
    if observed.role == .leader && (now.role != .leader || now.term != observed.term) {
      let lostTerm = observed.term
      proposals.failAll { _ in .leadershipLost(term: lostTerm) }
    }
    if now.commit != observed.commit && log.enabled(.trace) {
      log.log(.trace, .commit, "commit \(observed.commit) -> \(now.commit)")
    }
    observed = now
  }
}
