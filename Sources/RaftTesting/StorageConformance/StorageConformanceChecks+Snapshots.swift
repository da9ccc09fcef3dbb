import Raft

/// The snapshot checks of ``StorageConformance``.
extension StorageConformanceChecks {
  static func content(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
  }

  /// Reads the whole stored snapshot `metadata` in chunks of `chunk` bytes.
  static func readAll(_ storage: any Storage, _ metadata: SnapshotMetadata, chunk: Int = 1000) throws -> [UInt8] {
    var bytes: [UInt8] = []
    while UInt64(bytes.count) < metadata.size {
      let next = try storage.readSnapshot(metadata, from: UInt64(bytes.count), maxCount: chunk)
      guard !next.isEmpty else { break }
      bytes += next
    }
    return bytes
  }

  static func takenSnapshot(_ harness: StorageHarness) throws {
    try harness.persist(
      hardState: HardState(term: 2, commitIndex: 300), entries: entries(Array(repeating: 2, count: 300)))
    let data = content(10_000, seed: 1)
    let sink = try harness.storage().beginSnapshot(SnapshotRequest(index: 250, term: 2, members: [1, 2, 3]))
    for start in stride(from: 0, to: data.count, by: 3_000) {
      try sink.write(Array(data[start..<min(start + 3_000, data.count)]))
    }
    let metadata = try sink.finish()
    try harness.expect(
      metadata
        == SnapshotMetadata(
          lastIncludedIndex: 250, lastIncludedTerm: 2, members: [1, 2, 3], size: 10_000, checksum: CRC32C.checksum(data)
        ),
      "finish() returned \(metadata)")
    try harness.expect(try readAll(harness.storage(), metadata) == data, "the snapshot reads back differently")
    try harness.persistAll([harness.request(entries: entries([2], from: 301)), compactRequest(harness, through: 250)])
    let state = try harness.recover()
    try harness.expect(state.snapshot == metadata, "recovered snapshot \(String(describing: state.snapshot))")
    try checkLog(harness, state, snapshotIndex: 250, last: 301)
    try harness.reopen()
    let reopened = try harness.recover()
    try harness.expect(
      reopened.snapshot == metadata, "after reopening: snapshot \(String(describing: reopened.snapshot))")
    try checkLog(harness, reopened, snapshotIndex: 250, last: 301)
    try harness.expect(
      try readAll(harness.storage(), metadata, chunk: 4096) == data, "after reopening the content differs")
    try harness.expect(
      try harness.storage().readSnapshot(metadata, from: 10_000, maxCount: 10).isEmpty,
      "a read at the end returns nothing")
  }

  private static func compactRequest(_ harness: StorageHarness, through index: LogIndex) -> PersistenceRequest {
    var request = harness.request()
    request.compactThrough = index
    return request
  }

  /// The log is contiguous, ends at `last`, and covers everything after the snapshot (it may
  /// start earlier: compaction may keep a prefix).
  private static func checkLog(
    _ harness: StorageHarness, _ state: PersistentState, snapshotIndex: LogIndex, last: LogIndex
  )
    throws
  {
    let indexes = state.entries.map(\.index)
    try harness.expect(indexes.last == last, "the log ends at \(String(describing: indexes.last)), expected \(last)")
    try harness.expect(
      (indexes.first ?? last + 1) <= snapshotIndex + 1,
      "the log starts at \(String(describing: indexes.first)), after the snapshot's next index")
    try harness.expect(zip(indexes, indexes.dropFirst()).allSatisfy { $0 + 1 == $1 }, "the log has a gap")
  }

  static func receivedSnapshot(_ harness: StorageHarness) throws {
    try harness.persist(hardState: HardState(term: 1), entries: entries(Array(repeating: 1, count: 50)))
    let data = content(7_000, seed: 2)
    let metadata = SnapshotMetadata(
      lastIncludedIndex: 400, lastIncludedTerm: 3, members: [1, 2], size: 7_000, checksum: CRC32C.checksum(data))
    func chunk(_ range: Range<Int>) -> SnapshotWrite {
      .chunk(metadata, offset: UInt64(range.lowerBound), data: Array(data[range]))
    }
    var first = harness.request(hardState: HardState(term: 3))
    first.snapshotWrites = [chunk(0..<3_000)]
    try harness.persistAll([first])
    try harness.expect(try harness.recover().snapshot == nil, "a partly received snapshot was recovered")
    // The rest, the install replacing the conflicting log, and entries after it: one request.
    var last = harness.request(entries: entries([3, 3], from: 401))
    last.snapshotWrites = [chunk(3_000..<6_000), chunk(6_000..<7_000), .install(metadata, retainsLog: false)]
    try harness.persistAll([last])
    var state = try harness.recover()
    try harness.expect(state.snapshot == metadata, "installed snapshot \(String(describing: state.snapshot))")
    try harness.expect(
      state.entries == entries([3, 3], from: 401), "log after the install: \(state.entries.map(\.description))")
    try harness.reopen()
    state = try harness.recover()
    try harness.expect(state.snapshot == metadata, "after reopening: snapshot \(String(describing: state.snapshot))")
    try harness.expect(
      state.entries == entries([3, 3], from: 401), "after reopening: \(state.entries.map(\.description))")
    try harness.expect(try readAll(harness.storage(), metadata) == data, "the received snapshot reads back differently")
    // A newer received snapshot that keeps the log after it.
    try harness.persist(entries: entries([3, 3, 3, 3], from: 403))
    let newer = content(100, seed: 3)
    let newerMetadata = SnapshotMetadata(
      lastIncludedIndex: 404, lastIncludedTerm: 3, members: [1, 2], size: 100, checksum: CRC32C.checksum(newer))
    var install = harness.request()
    install.snapshotWrites = [.chunk(newerMetadata, offset: 0, data: newer), .install(newerMetadata, retainsLog: true)]
    try harness.persistAll([install])
    try harness.reopen()
    state = try harness.recover()
    try harness.expect(state.snapshot == newerMetadata, "the newer snapshot was not kept")
    try checkLog(harness, state, snapshotIndex: 404, last: 406)
    do {
      _ = try harness.storage().readSnapshot(metadata, from: 0, maxCount: 10)
      throw harness.fail("reading a replaced snapshot did not throw")
    } catch let error as SnapshotError {
      try harness.expect(error == .notFound(metadata), "reading a replaced snapshot threw \(error)")
    }
  }

  static func snapshotSinks(_ harness: StorageHarness) throws {
    try harness.persist(entries: entries(Array(repeating: 1, count: 20)))
    let storage = try harness.storage()
    let sink = try storage.beginSnapshot(SnapshotRequest(index: 10, term: 1, members: [1]))
    do {
      _ = try storage.beginSnapshot(SnapshotRequest(index: 12, term: 1, members: [1]))
      throw harness.fail("a second snapshot sink was opened while one was open")
    } catch let error as SnapshotError {
      try harness.expect(error == .alreadyWriting, "a second sink threw \(error)")
    }
    try sink.write(content(500, seed: 4))
    sink.abandon()
    try harness.expect(try harness.recover().snapshot == nil, "an abandoned snapshot was recovered")
    let next = try storage.beginSnapshot(SnapshotRequest(index: 12, term: 1, members: [1]))
    try next.write([])
    let empty = try next.finish()
    try harness.expect(empty.size == 0 && empty.lastIncludedIndex == 12, "an empty snapshot: \(empty)")
    try harness.reopen()
    try harness.expect(try harness.recover().snapshot == empty, "the empty snapshot did not survive reopening")
  }
}
