import Raft

extension Simulation {
  /// Reads `position`'s log for the checker. Entries compacted behind its snapshot read as the
  /// entries known committed there: a snapshot covers committed entries only, which
  /// ``restoreSnapshot(_:on:)`` checks whenever one is restored.
  func entryLookup(on position: Int) -> (LogIndex) -> LogEntry? {
    let log = nodes[position].engine.log
    let checker = checker
    return { index in index <= log.compactedIndex ? checker.committedEntry(at: index) : log.entry(at: index) }
  }

  /// The leader's caller: reads a chunk of the stored snapshot and sends it. A chunk of a
  /// snapshot the storage no longer holds is dropped, as a real runtime would.
  func sendSnapshotChunk(_ chunk: OutgoingSnapshotChunk, from position: Int) {
    let data: [UInt8]
    do {
      data = try nodes[position].storage.readSnapshot(chunk.metadata, from: chunk.offset, maxCount: chunk.count)
    } catch {
      trace(nodes[position].id, .note("drops snapshot chunk \(chunk): \(error)"))
      return
    }
    send(chunk.message(data: data))
  }

  /// Restores `position`'s state machine from its stored snapshot, then checks that it holds
  /// exactly the committed commands through the snapshot's index (for a ``CommandLog``), so a
  /// wrong snapshot cannot hide behind the log comparisons.
  func restoreSnapshot(_ metadata: SnapshotMetadata, on position: Int) throws(SimulationFailure) {
    let id = nodes[position].id
    let index = metadata.lastIncludedIndex
    var reader = nodes[position].storage.snapshotReader(for: metadata)
    var machine = makeMachine()
    do {
      try machine.restoreSnapshot(from: &reader)
    } catch {
      try fail(.violated(.stateMachineSafety), "n\(id) could not restore \(metadata): \(error)")
    }
    do throws(InvariantViolation) {
      try checker.recordSnapshotRestore(through: index, on: id)
    } catch {
      try fail(error)
    }
    var covered: [(entry: LogEntry, result: [UInt8]?)] = []
    covered.reserveCapacity(Int(index.rawValue))
    for coveredIndex in stride(from: LogIndex(1), through: index, by: 1) {
      covered.append((checker.committedEntry(at: coveredIndex)!, nil))
    }
    if let restored = machine as? CommandLog {
      let expected = covered.lazy.filter { $0.entry.kind == .command }.map(\.entry.payload)
      guard restored.commands.elementsEqual(expected) else {
        try fail(
          .violated(.stateMachineSafety),
          "n\(id) restored \(metadata) holding \(restored.commands.count) commands that differ from the"
            + " \(expected.count) committed through \(index)")
      }
    }
    nodes[position].machine = machine
    nodes[position].applied = covered
    snapshotActivity.restored += 1
    trace(id, .snapshotRestored(metadata))
  }

  /// Has `position`'s state machine write a snapshot into its storage, as the runtime does,
  /// and reports the outcome to its engine.
  func takeSnapshot(_ request: SnapshotRequest, on position: Int) throws(SimulationFailure) {
    let storage = nodes[position].storage
    do {
      var sink = try storage.beginSnapshot(request)
      do {
        try nodes[position].machine.writeSnapshot(to: &sink)
        let metadata = try sink.finish()
        nodes[position].engine.snapshotTaken(metadata)
        snapshotActivity.taken += 1
        trace(nodes[position].id, .snapshotTaken(metadata))
      } catch {
        sink.abandon()
        throw error
      }
    } catch {
      trace(nodes[position].id, .note("snapshot at \(request.index) failed: \(error)"))
      nodes[position].engine.snapshotFailed()
    }
    try settle(position)
  }
}

extension PersistentState {
  /// The entry this state holds at `index`, if any.
  func entry(at index: LogIndex) -> LogEntry? {
    guard let first = entries.first?.index, index >= first else { return nil }
    let offset = first.distance(to: index)
    return offset < entries.count ? entries[offset] : nil
  }
}

/// How much snapshotting a simulation did.
public struct SnapshotActivity: Hashable, Sendable, CustomStringConvertible {
  /// Snapshots the nodes' state machines wrote.
  public var taken = 0
  /// State machines restored from a snapshot: received from a leader, or at a restart.
  public var restored = 0

  /// None yet.
  public init() {}

  public var description: String { "\(taken) snapshots taken, \(restored) restored" }
}
