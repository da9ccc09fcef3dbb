@testable import Raft

/// Everything an engine produced while a test drove it until idle.
struct EngineOutput {
  var messages: [Message] = []
  var committed: [LogEntry] = []
  var writes: [PersistenceRequest] = []
  var readsReady: [ReadyRead] = []
  var failedReads: [FailedRead] = []
  var proposalOutcomes: [ProposalOutcome] = []
  var snapshotChunks: [OutgoingSnapshotChunk] = []
  var restoredSnapshots: [SnapshotMetadata] = []
  var snapshotsToTake: [SnapshotRequest] = []

  func messages(to peer: NodeID) -> [Message] { messages.filter { $0.to == peer } }
  func appends(to peer: NodeID) -> [AppendEntries] { messages(to: peer).compactMap(\.appendEntries) }
  var appends: [AppendEntries] { messages.compactMap(\.appendEntries) }
}

extension RaftEngine {
  /// Calls ``ready()`` until it is empty, writing and acknowledging every persistence request
  /// at once (storage that is always fast and never fails).
  mutating func flush() -> EngineOutput {
    var output = EngineOutput()
    while true {
      let ready = ready()
      if ready.isEmpty { return output }
      output.messages += ready.messages
      output.committed += ready.committedEntries
      output.readsReady += ready.readsReady
      output.failedReads += ready.failedReads
      output.proposalOutcomes += ready.proposalOutcomes
      output.snapshotChunks += ready.snapshotChunks
      output.restoredSnapshots += ready.snapshotToRestore.map { [$0] } ?? []
      output.snapshotsToTake += ready.snapshotToTake.map { [$0] } ?? []
      if let write = ready.persistence {
        output.writes.append(write)
        acknowledgePersisted(through: write.id)
      }
    }
  }

  /// Steps `message`, then flushes.
  mutating func receive(_ message: Message) -> EngineOutput {
    step(message)
    return flush()
  }

  /// Ticks `count` times, flushing after each tick.
  mutating func tick(_ count: Int) -> EngineOutput {
    var output = EngineOutput()
    for _ in 0..<count {
      tick()
      let more = flush()
      output.messages += more.messages
      output.committed += more.committed
      output.writes += more.writes
      output.readsReady += more.readsReady
      output.failedReads += more.failedReads
      output.proposalOutcomes += more.proposalOutcomes
      output.snapshotChunks += more.snapshotChunks
      output.restoredSnapshots += more.restoredSnapshots
      output.snapshotsToTake += more.snapshotsToTake
    }
    return output
  }

  /// The leader's view of `peer`'s replication.
  func peer(_ peer: NodeID) -> PeerProgress? { status.peers[peer] }
}
