import Testing

@testable import Raft

/// MemoryStorage keeps snapshots with the same honest durability as the log: a snapshot the
/// state machine writes is durable once its sink finishes, a received one only once its install
/// is synced, a partly received one is never recovered, and compaction survives a crash only
/// once synced.
@Suite("MemoryStorage snapshots")
struct MemoryStorageSnapshotTests {
  private static let content: [UInt8] = (0..<50).map { UInt8($0) }

  private static func metadata(_ index: LogIndex, _ term: Term, content: [UInt8] = content) -> SnapshotMetadata {
    SnapshotMetadata(
      lastIncludedIndex: index, lastIncludedTerm: term, members: [1, 2, 3], size: UInt64(content.count),
      checksum: CRC32C.checksum(content))
  }

  private func request(
    _ id: UInt64, entries: [LogEntry] = [], snapshotWrites: [SnapshotWrite] = [], compactThrough: LogIndex? = nil
  ) -> PersistenceRequest {
    PersistenceRequest(
      id: PersistenceID(rawValue: id), hardState: nil, entries: entries, snapshotWrites: snapshotWrites,
      compactThrough: compactThrough)
  }

  private func readAll(_ storage: MemoryStorage, _ metadata: SnapshotMetadata) throws -> [UInt8] {
    var reader = storage.snapshotReader(for: metadata)
    var bytes: [UInt8] = []
    while case let chunk = try reader.read(maxCount: 7), !chunk.isEmpty { bytes += chunk }
    return bytes
  }

  @Test("A snapshot written through a sink is durable once finished, with its size and checksum")
  func writtenSnapshotDurableOnFinish() throws {
    let storage = MemoryStorage(mode: .manual)
    storage.persist(request(1, entries: TestLog.terms([1, 1, 1])), completion: { _ in })
    storage.sync()
    let sink = try storage.beginSnapshot(SnapshotRequest(index: 2, term: 1, members: [1, 2, 3]))
    #expect(throws: SnapshotError.alreadyWriting) {
      try storage.beginSnapshot(SnapshotRequest(index: 2, term: 1, members: [1]))
    }
    try sink.write(Array(Self.content[0..<20]))
    try sink.write(Array(Self.content[20...]))
    let metadata = try sink.finish()
    #expect(metadata == Self.metadata(2, 1))
    storage.crash()
    let recovered = try storage.recover()
    #expect(recovered.snapshot == metadata)
    #expect(recovered.entries == TestLog.terms([1, 1, 1]), "no compaction was asked for")
    #expect(try readAll(storage, metadata) == Self.content)
  }

  @Test("An abandoned snapshot leaves the previous one in force")
  func abandonedSnapshotKeepsPrevious() throws {
    let storage = MemoryStorage()
    let first = try storage.beginSnapshot(SnapshotRequest(index: 1, term: 1, members: [1]))
    try first.write(Self.content)
    let kept = try first.finish()
    let second = try storage.beginSnapshot(SnapshotRequest(index: 2, term: 1, members: [1]))
    try second.write([1, 2, 3])
    second.abandon()
    #expect(try storage.recover().snapshot == kept)
    #expect(throws: SnapshotError.notFound(Self.metadata(2, 1))) {
      try storage.readSnapshot(Self.metadata(2, 1), from: 0, maxCount: 10)
    }
  }

  @Test("Compaction drops the covered prefix, and survives a crash only once synced")
  func compactionDurableOnSync() throws {
    let storage = MemoryStorage(mode: .manual)
    storage.persist(request(1, entries: TestLog.terms([1, 1, 1, 1, 1])), completion: { _ in })
    storage.sync()
    storage.persist(request(2, compactThrough: 3), completion: { _ in })
    storage.crash()
    #expect(try storage.recover().entries.map(\.index) == [1, 2, 3, 4, 5])
    storage.persist(request(3, compactThrough: 3), completion: { _ in })
    storage.persist(request(4, entries: TestLog.terms([2], from: 5)), completion: { _ in })
    storage.sync()
    storage.crash()
    let recovered = try storage.recover()
    #expect(recovered.entries.map(\.index) == [4, 5])
    #expect(recovered.entries.last?.term == 2)
  }

  @Test("A partly received snapshot is never recovered; a complete one only once its install is synced")
  func receivedSnapshotDurableOnlyWhenInstalled() throws {
    let storage = MemoryStorage(mode: .manual)
    storage.persist(request(1, entries: TestLog.terms([1, 1])), completion: { _ in })
    let meta = Self.metadata(6, 2)
    storage.persist(
      request(2, snapshotWrites: [.chunk(meta, offset: 0, data: Array(Self.content[0..<30]))]), completion: { _ in })
    storage.sync()
    #expect(storage.incomingSnapshot.map { ($0.metadata, $0.bytes) } ?? (meta, -1) == (meta, 30))
    storage.crash()
    #expect(try storage.recover().snapshot == nil, "30 of 50 bytes are not a snapshot")
    storage.persist(
      request(3, snapshotWrites: [.chunk(meta, offset: 30, data: Array(Self.content[30...]))]), completion: { _ in })
    storage.persist(request(4, snapshotWrites: [.install(meta, retainsLog: false)]), completion: { _ in })
    storage.crash()
    #expect(try storage.recover().snapshot == nil, "the install was not synced")
    #expect(try storage.recover().entries.count == 2)
    // The durable 30 bytes are continued after the crash.
    storage.persist(
      request(5, snapshotWrites: [.chunk(meta, offset: 30, data: Array(Self.content[30...]))]), completion: { _ in })
    storage.persist(
      request(6, entries: TestLog.terms([2], from: 7), snapshotWrites: [.install(meta, retainsLog: false)]),
      completion: { _ in })
    storage.sync()
    storage.crash()
    let recovered = try storage.recover()
    #expect(recovered.snapshot == meta)
    #expect(recovered.entries.map(\.index) == [7], "a conflicting log is discarded, entries after the snapshot kept")
    #expect(try readAll(storage, meta) == Self.content)
  }

  @Test("Installing with retainsLog keeps the entries after the snapshot")
  func installRetainingLog() throws {
    let storage = MemoryStorage()
    storage.persist(request(1, entries: TestLog.terms([1, 1, 2, 2])), completion: { _ in })
    let meta = Self.metadata(2, 1)
    storage.persist(
      request(2, snapshotWrites: [.chunk(meta, offset: 0, data: Self.content), .install(meta, retainsLog: true)]),
      completion: { _ in })
    let recovered = try storage.recover()
    #expect(recovered.snapshot == meta)
    #expect(recovered.entries.map(\.index) == [3, 4])
  }

  @Test("Reads are bounded by the snapshot and name the snapshot they read")
  func readsAreChecked() throws {
    let storage = MemoryStorage(
      initial: PersistentState(snapshot: Self.metadata(4, 1)), snapshotContent: Self.content)
    #expect(try storage.readSnapshot(Self.metadata(4, 1), from: 45, maxCount: 10) == Array(Self.content[45...]))
    #expect(throws: SnapshotError.outOfBounds(offset: 51, size: 50)) {
      try storage.readSnapshot(Self.metadata(4, 1), from: 51, maxCount: 1)
    }
    #expect(throws: SnapshotError.notFound(Self.metadata(5, 1))) {
      try storage.readSnapshot(Self.metadata(5, 1), from: 0, maxCount: 1)
    }
  }

  @Test("The stored-snapshot reader verifies the checksum with the last bytes")
  func readerVerifiesChecksum() throws {
    let wrong = SnapshotMetadata(lastIncludedIndex: 4, lastIncludedTerm: 1, members: [1], size: 50, checksum: 1)
    let storage = MemoryStorage(initial: PersistentState(snapshot: wrong), snapshotContent: Self.content)
    var reader = storage.snapshotReader(for: wrong)
    _ = try reader.read(maxCount: 40)
    #expect(throws: SnapshotError.self) { try reader.read(maxCount: 40) }
  }

  @Test("A restarted engine starts from the recovered snapshot and the log after it")
  func engineRestartsFromRecoveredSnapshot() throws {
    let storage = MemoryStorage()
    storage.persist(request(1, entries: TestLog.terms([1, 1, 1, 1])), completion: { _ in })
    let sink = try storage.beginSnapshot(SnapshotRequest(index: 3, term: 1, members: [1, 2, 3]))
    try sink.write(Self.content)
    let meta = try sink.finish()
    storage.persist(request(2, compactThrough: 2), completion: { _ in })
    var engine = RaftEngine(
      configuration: try NodeConfiguration(id: 1, members: [1, 2, 3]), restoring: try storage.recover(), seed: 1)
    #expect((engine.log.compactedIndex, engine.log.lastIndex) == (3, 4))
    #expect(engine.ready().snapshotToRestore == meta)
  }
}
