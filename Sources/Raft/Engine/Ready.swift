/// Identifies one ``PersistenceRequest``. Identifiers increase by one per request.
public struct PersistenceID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (lhs: PersistenceID, rhs: PersistenceID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { "#\(rawValue)" }
}

/// State the engine needs made durable. Requests must become durable in the order the engine
/// issues them; acknowledge with ``RaftEngine/acknowledgePersisted(through:)``.
public struct PersistenceRequest: Hashable, Sendable {
  public var id: PersistenceID
  /// The new hard state, if it changed since the previous request.
  public var hardState: HardState?
  /// Entries to write. If the first one's index is at or below the last stored index, the
  /// stored entries from that index on are replaced (a conflict with the leader's log).
  public var entries: [LogEntry]

  public init(id: PersistenceID, hardState: HardState?, entries: [LogEntry]) {
    self.id = id
    self.hardState = hardState
    self.entries = entries
  }
}

/// What the engine asks its caller to do after the inputs since the last call to
/// ``RaftEngine/ready()``.
///
/// Do the parts independently, in any order, except for reads: `messages` are already safe to
/// send (the engine itself holds back any message that depends on unacknowledged persistence),
/// and `committedEntries` are committed and durable locally. Run `readsReady` only after
/// applying this Ready's `committedEntries` (and every earlier one's).
public struct Ready: Sendable {
  /// Write this, then acknowledge it.
  public var persistence: PersistenceRequest?
  /// Send these to their destinations.
  public var messages: [Message] = []
  /// Apply these in order (command entries go to the state machine; the others are internal).
  public var committedEntries: [LogEntry] = []
  /// Linearizable reads (``RaftEngine/requestRead(_:)``) that are now safe: run each against the
  /// state machine once `committedEntries` are applied. Each read appears here or in
  /// `failedReads` exactly once.
  public var readsReady: [ReadyRead] {
    get { clientOutputs?.readsReady ?? [] }
    set { updateClientOutputs { $0.readsReady = newValue } }
  }
  /// Reads the engine gave up on, never served; every ``ReadError`` is retryable.
  public var failedReads: [FailedRead] {
    get { clientOutputs?.failedReads ?? [] }
    set { updateClientOutputs { $0.failedReads = newValue } }
  }
  /// What became of proposals this node forwarded to the leader (``RaftEngine/propose(_:id:)``).
  public var proposalOutcomes: [ProposalOutcome] {
    get { clientOutputs?.proposalOutcomes ?? [] }
    set { updateClientOutputs { $0.proposalOutcomes = newValue } }
  }

  /// The three outputs above, nil when all are empty (nearly every Ready): copying and
  /// destroying a Ready then costs no reference counting for them, which showed as 9% of the
  /// engine's instructions per entry at one proposal per cycle.
  var clientOutputs: ClientOutputs?

  public init(
    persistence: PersistenceRequest? = nil, messages: [Message] = [], committedEntries: [LogEntry] = [],
    readsReady: [ReadyRead] = [], failedReads: [FailedRead] = [], proposalOutcomes: [ProposalOutcome] = []
  ) {
    let outputs = ClientOutputs(readsReady: readsReady, failedReads: failedReads, proposalOutcomes: proposalOutcomes)
    self.init(
      persistence: persistence, messages: messages, committedEntries: committedEntries,
      clientOutputs: outputs.isEmpty ? nil : outputs)
  }

  init(
    persistence: PersistenceRequest?, messages: [Message], committedEntries: [LogEntry], clientOutputs: ClientOutputs?
  ) {
    self.persistence = persistence
    self.messages = messages
    self.committedEntries = committedEntries
    self.clientOutputs = clientOutputs
  }

  public var isEmpty: Bool {
    persistence == nil && messages.isEmpty && committedEntries.isEmpty && clientOutputs == nil
  }

  private mutating func updateClientOutputs(_ change: (inout ClientOutputs) -> Void) {
    var outputs = clientOutputs ?? ClientOutputs()
    change(&outputs)
    clientOutputs = outputs.isEmpty ? nil : outputs
  }
}

/// The outputs of client requests beyond the leader's own proposals.
struct ClientOutputs: Sendable, Equatable {
  var readsReady: [ReadyRead] = []
  var failedReads: [FailedRead] = []
  var proposalOutcomes: [ProposalOutcome] = []

  var isEmpty: Bool { readsReady.isEmpty && failedReads.isEmpty && proposalOutcomes.isEmpty }
}
