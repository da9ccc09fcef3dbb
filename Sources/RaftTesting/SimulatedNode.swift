import Raft
import Synchronization

/// What a node's storage reported durable and the node has not yet been told (it may be paused).
final class DurabilityReports: Sendable {
  private let latest = Mutex<PersistenceID?>(nil)

  func report(_ id: PersistenceID) {
    latest.withLock { $0 = max($0 ?? id, id) }
  }

  func take() -> PersistenceID? {
    latest.withLock { latest in
      defer { latest = nil }
      return latest
    }
  }
}

/// One simulated server: an engine, its storage and its state machine, plus the harness's view
/// of it.
struct SimulatedNode<Machine: StateMachine> {
  let id: NodeID
  let configuration: NodeConfiguration
  var storage = MemoryStorage(mode: .manual)
  let durability = DurabilityReports()
  var engine: RaftEngine
  var machine: Machine

  var isUp = true
  var isPaused = false
  /// Counts restarts; events scheduled for an earlier incarnation are ignored.
  var incarnation = 0
  var fsyncPending = false
  /// Messages that arrived while paused, handled on resume in arrival order.
  var inboxWhilePaused: [Message] = []

  /// Everything applied this lifetime (entry `i` at offset `i - 1`), with command results.
  /// Entries a restored snapshot covers have no result: the state machine never answered them.
  var applied: [(entry: LogEntry, result: [UInt8]?)] = []
  /// Proposals made on this node this lifetime and not yet applied, by index.
  var pendingProposals: [LogIndex: Term] = [:]

  // What the harness last saw, to notice changes.
  var observedRole: Role = .follower
  var observedTerm: Term = .zero
  var observedLeader: NodeID?
  var observedCommitIndex: LogIndex = .zero

  init(configuration: NodeConfiguration, seed: UInt64, machine: Machine) {
    self.id = configuration.id
    self.configuration = configuration
    self.engine = RaftEngine(configuration: configuration, seed: seed)
    self.machine = machine
  }

  func appliedEntry(at index: LogIndex) -> LogEntry? {
    let offset = Int(index.rawValue) - 1
    return offset >= 0 && offset < applied.count ? applied[offset].entry : nil
  }
}
