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
  /// The state machine: the payloads of the commands applied this lifetime. A snapshot's
  /// content is these payloads joined by commas.
  var applied: [String] = []
  /// The content of the durable snapshot, and of the snapshot being received (durable part).
  var durableSnapshotContent: [UInt8] = []
  var durableIncomingContent: [UInt8] = []

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
    applied = []
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
    for request in unsynced { applyDurably(request) }
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
      for chunk in ready.snapshotChunks {
        let start = Int(chunk.offset)
        let message = chunk.message(data: Array(durableSnapshotContent[start..<(start + chunk.count)]))
        lines.append(TranscriptFormat.message(message))
        messages.append(message)
      }
      if let snapshot = ready.snapshotToRestore {
        let content = String(decoding: durableSnapshotContent, as: UTF8.self)
        applied = content.isEmpty ? [] : content.split(separator: ",").map(String.init)
        lines.append("restore \(TranscriptFormat.snapshot(snapshot)) content=\(content)")
      }
      if !ready.committedEntries.isEmpty {
        lines.append("apply \(TranscriptFormat.entries(ready.committedEntries))")
        for entry in ready.committedEntries where entry.kind == .command {
          applied.append(String(decoding: entry.payload, as: UTF8.self))
        }
      }
      if let request = ready.snapshotToTake {
        // Written, synced and renamed into place at once, as MemoryStorage does.
        let content = Array(applied.joined(separator: ",").utf8)
        let metadata = SnapshotMetadata(
          lastIncludedIndex: request.index, lastIncludedTerm: request.term, members: request.members,
          size: UInt64(content.count), checksum: CRC32C.checksum(content))
        durableSnapshotContent = content
        durable.snapshot = metadata
        engine!.snapshotTaken(metadata)
        lines.append("snapshot taken \(TranscriptFormat.snapshot(metadata)) content=\(applied.joined(separator: ","))")
      }
      if !manualSync {
        for id in sync() { lines.append("synced \(id)") }
      }
    }
    return (lines, messages)
  }

  static func describe(_ request: PersistenceRequest) -> String {
    var parts = ["write \(request.id)"]
    for write in request.snapshotWrites {
      switch write {
      case .chunk(_, let offset, let data): parts.append("snapshot-chunk offset=\(offset) bytes=\(data.count)")
      case .install(let metadata, let retainsLog):
        parts.append("install \(TranscriptFormat.snapshot(metadata)) retains-log=\(retainsLog)")
      }
    }
    if let index = request.compactThrough { parts.append("compact-through=\(index)") }
    if let hardState = request.hardState { parts.append(TranscriptFormat.hardState(hardState)) }
    if !request.entries.isEmpty { parts.append("entries=\(TranscriptFormat.entries(request.entries))") }
    return parts.joined(separator: " ")
  }
}

extension TranscriptNode {
  /// Applies one write as storage does, in the order of the ``Storage`` contract: snapshot
  /// writes, compaction, entries (replacing the stored ones from their first index on), hard
  /// state.
  mutating func applyDurably(_ request: PersistenceRequest) {
    for write in request.snapshotWrites {
      switch write {
      case .chunk(_, let offset, let data):
        if offset == 0 { durableIncomingContent = [] }
        durableIncomingContent += data
      case .install(let metadata, let retainsLog):
        durableSnapshotContent = durableIncomingContent
        durableIncomingContent = []
        durable.snapshot = metadata
        if retainsLog {
          durable.entries.removeAll { $0.index <= metadata.lastIncludedIndex }
        } else {
          durable.entries = []
        }
      }
    }
    if let index = request.compactThrough { durable.entries.removeAll { $0.index <= index } }
    if let hardState = request.hardState { durable.hardState = hardState }
    guard let first = request.entries.first else { return }
    let start = durable.entries.first?.index ?? first.index
    let keep = start.distance(to: first.index)
    precondition(keep >= 0 && keep <= durable.entries.count, "write \(request.id) leaves a gap in the stored log")
    durable.entries.removeSubrange(keep...)
    durable.entries += request.entries
  }
}
