import Raft

/// One member of the transcript cluster: an engine plus the storage it writes to.
///
/// Storage is modelled as durable state plus writes handed over but not yet synced, so a crash
/// keeps exactly what was acknowledged to the engine.
struct TranscriptNode {
  let configuration: NodeConfiguration
  /// nil while the node is down.
  var engine: RaftEngine?
  var durable = PersistentState()
  /// Writes received but not yet durable, in order (only with manual sync).
  var unsynced: [PersistenceRequest] = []
  /// Whether writes wait for an explicit `sync` instead of becoming durable at once.
  var manualSync: Bool
  /// Engines started so far; each gets its own seed so a restart does not replay old timeouts.
  var lifetimes = 0

  var id: NodeID { configuration.id }

  init(configuration: NodeConfiguration, manualSync: Bool) {
    self.configuration = configuration
    self.manualSync = manualSync
    start()
  }

  /// Starts a fresh engine from the durable state.
  mutating func start() {
    lifetimes += 1
    let seed = id.rawValue &* 1000 &+ UInt64(lifetimes)
    engine = RaftEngine(configuration: configuration, restoring: durable, seed: seed)
  }

  /// Drops the engine and every write that was not durable.
  mutating func crash() -> [PersistenceRequest] {
    engine = nil
    defer { unsynced = [] }
    return unsynced
  }

  /// Makes every pending write durable and acknowledges the last one.
  /// - Returns: the ids that became durable.
  mutating func sync() -> [PersistenceID] {
    guard let last = unsynced.last else { return [] }
    for request in unsynced { durable.apply(request) }
    defer { unsynced = [] }
    engine!.acknowledgePersisted(through: last.id)
    return unsynced.map(\.id)
  }

  /// Runs `ready()` until the engine has nothing more, writing, queueing and applying as the
  /// runtime would.
  /// - Returns: the lines describing what happened, and the messages to send.
  mutating func handleReady() -> (lines: [String], messages: [Message]) {
    var lines: [String] = []
    var messages: [Message] = []
    while true {
      let ready = engine!.ready()
      if ready.isEmpty { break }
      if let request = ready.persistence {
        lines.append(Self.describe(request) + (manualSync ? " (waits for sync)" : ""))
        unsynced.append(request)
      }
      for message in ready.messages { lines.append(TranscriptFormat.message(message)) }
      messages += ready.messages
      if !ready.committedEntries.isEmpty {
        lines.append("apply \(TranscriptFormat.entries(ready.committedEntries))")
      }
      if !manualSync {
        for id in sync() { lines.append("synced \(id)") }
      }
    }
    return (lines, messages)
  }

  static func describe(_ request: PersistenceRequest) -> String {
    var parts = ["write \(request.id)"]
    if let hardState = request.hardState { parts.append(TranscriptFormat.hardState(hardState)) }
    if !request.entries.isEmpty { parts.append("entries=\(TranscriptFormat.entries(request.entries))") }
    return parts.joined(separator: " ")
  }
}

extension PersistentState {
  /// Applies one write as storage does: the hard state replaces the old one; entries replace
  /// the stored entries from their first index on.
  mutating func apply(_ request: PersistenceRequest) {
    if let hardState = request.hardState { self.hardState = hardState }
    guard let first = request.entries.first else { return }
    let keep = Int(first.index.rawValue) - 1
    precondition(keep >= 0 && keep <= entries.count, "write \(request.id) leaves a gap in the stored log")
    entries.removeSubrange(keep...)
    entries += request.entries
  }
}
