import Raft

/// The checks of ``StorageConformance``.
enum StorageConformanceChecks {
  static let all: [StorageConformance.Check] = [
    check("A new storage recovers an empty state", emptyStorage),
    check("Entries are stored in order across requests", ordering),
    check("The latest hard state wins; a request without one keeps it", hardState),
    check("Entries replace stored ones from their first index on (conflict)", truncation),
    check("Completions run once each, in request order, and mean durable", completionOrder),
    check("A reopened storage holds every acknowledged write and accepts more", reopen),
    check("Payloads of many sizes and kinds round-trip exactly", payloads),
    check("Compaction removes a prefix and keeps the rest readable", compaction, needsCompaction: true),
    check("A snapshot taken round-trips, compacts the log and survives reopening", takenSnapshot, needsSnapshots: true),
    check(
      "A received snapshot is installed only once complete, and can replace the log", receivedSnapshot,
      needsSnapshots: true),
    check(
      "Only one snapshot is written at a time; an abandoned one changes nothing", snapshotSinks, needsSnapshots: true),
  ]

  private static func check(
    _ name: String, _ body: @escaping @Sendable (StorageHarness) throws -> Void, needsCompaction: Bool = false,
    needsSnapshots: Bool = false
  ) -> StorageConformance.Check {
    StorageConformance.Check(name: name, needsCompaction: needsCompaction, needsSnapshots: needsSnapshots, body: body)
  }

  /// Entries `from` on with the given terms, and payloads that name their index and term.
  static func entries(_ terms: [UInt64], from first: UInt64 = 1) -> [LogEntry] {
    terms.enumerated().map { offset, term in
      let index = first + UInt64(offset)
      return LogEntry(index: LogIndex(index), term: Term(term), payload: Array("\(index)@\(term)".utf8))
    }
  }

  private static func emptyStorage(_ harness: StorageHarness) throws {
    let state = try harness.recover()
    try harness.expect(state == PersistentState(), "a new storage recovered \(state)")
  }

  private static func ordering(_ harness: StorageHarness) throws {
    try harness.persistAll([
      harness.request(entries: entries([1, 1, 1])),
      harness.request(entries: entries([1, 2], from: 4)),
      harness.request(entries: []),
      harness.request(entries: entries([2, 2, 3], from: 6)),
    ])
    let recovered = try harness.recover().entries
    try harness.expect(
      recovered == entries([1, 1, 1, 1, 2, 2, 2, 3]), "recovered \(recovered.map(\.description))")
  }

  private static func hardState(_ harness: StorageHarness) throws {
    try harness.persist(hardState: HardState(term: 1, votedFor: 2, commitIndex: 0))
    try harness.persist(hardState: HardState(term: 3, votedFor: nil, commitIndex: 0), entries: entries([3]))
    try harness.persist(entries: entries([3], from: 2))
    let state = try harness.recover()
    try harness.expect(
      state.hardState == HardState(term: 3, votedFor: nil, commitIndex: 0), "recovered hard state \(state.hardState)")
    try harness.persist(hardState: HardState(term: 3, votedFor: 5, commitIndex: 2))
    try harness.reopen()
    let reopened = try harness.recover()
    try harness.expect(
      reopened.hardState == HardState(term: 3, votedFor: 5, commitIndex: 2),
      "after reopening: hard state \(reopened.hardState)")
    try harness.expect(reopened.entries == entries([3, 3]), "after reopening: entries \(reopened.entries)")
  }

  private static func truncation(_ harness: StorageHarness) throws {
    try harness.persist(entries: entries([1, 1, 1, 1, 1, 1]))
    try harness.persist(hardState: HardState(term: 2), entries: entries([2, 2], from: 4))
    var recovered = try harness.recover().entries
    try harness.expect(recovered == entries([1, 1, 1, 2, 2]), "after a conflict at 4: \(recovered)")
    // Replacing the very first entry, and growing past the old end again.
    try harness.persist(entries: entries([3, 3, 3, 3, 3, 3, 3]))
    recovered = try harness.recover().entries
    try harness.expect(recovered == entries([3, 3, 3, 3, 3, 3, 3]), "after a conflict at 1: \(recovered)")
    // A conflict and appends in one batch of requests, then a restart.
    try harness.persistAll([
      harness.request(entries: entries([4], from: 6)),
      harness.request(entries: entries([4, 4], from: 7)),
      harness.request(entries: entries([5], from: 3)),
    ])
    try harness.reopen()
    recovered = try harness.recover().entries
    try harness.expect(recovered == entries([3, 3, 5]), "after a conflict at 3 and a restart: \(recovered)")
  }

  private static func completionOrder(_ harness: StorageHarness) throws {
    let count = 300
    var requests: [PersistenceRequest] = []
    for index in 1...count {
      let hardState = index % 7 == 0 ? HardState(term: 1, commitIndex: LogIndex(UInt64(index - 3))) : nil
      requests.append(harness.request(hardState: hardState, entries: entries([1], from: UInt64(index))))
    }
    try harness.persistAll(requests)
    try harness.reopen()
    let state = try harness.recover()
    try harness.expect(state.entries == entries(Array(repeating: 1, count: count)), "lost acknowledged entries")
    try harness.expect(state.hardState == HardState(term: 1, commitIndex: 291), "hard state \(state.hardState)")
  }

  private static func reopen(_ harness: StorageHarness) throws {
    try harness.persist(hardState: HardState(term: 2, votedFor: 1), entries: entries([1, 2]))
    try harness.reopen()
    try harness.expect(try harness.recover().entries == entries([1, 2]), "first reopen lost entries")
    try harness.persist(entries: entries([2, 2], from: 3))
    try harness.reopen()
    try harness.reopen()
    let state = try harness.recover()
    try harness.expect(state.entries == entries([1, 2, 2, 2]), "entries after two reopens: \(state.entries)")
    try harness.expect(state.hardState == HardState(term: 2, votedFor: 1), "hard state \(state.hardState)")
  }

  private static func payloads(_ harness: StorageHarness) throws {
    var written: [LogEntry] = []
    var generator = SplitMix(seed: 7)
    let kinds: [EntryKind] = [.command, .noop, .configuration]
    for index in 1...200 {
      let size = index % 50 == 0 ? 70_000 : Int(generator.next() % 300)
      let payload = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      written.append(
        LogEntry(
          index: LogIndex(UInt64(index)), term: Term(UInt64(1 + index / 40)), kind: kinds[index % 3], payload: payload))
    }
    try harness.persistAll(
      stride(from: 0, to: written.count, by: 13).map { start in
        harness.request(entries: Array(written[start..<min(start + 13, written.count)]))
      })
    try harness.expect(try harness.recover().entries == written, "entries differ before reopening")
    try harness.reopen()
    try harness.expect(try harness.recover().entries == written, "entries differ after reopening")
  }

  private static func compaction(_ harness: StorageHarness) throws {
    guard let compact = harness.factory.compact else { return }
    let terms = [UInt64](repeating: 1, count: 2_000)
    try harness.persistAll(
      stride(from: 0, to: terms.count, by: 100).map { start in
        harness.request(entries: entries(Array(terms[start..<start + 100]), from: UInt64(start + 1)))
      })
    let first = try compact(try harness.storage(), 1_500)
    try harness.expect(first.rawValue >= 1 && first.rawValue <= 1_501, "first index \(first) after compacting to 1500")
    var recovered = try harness.recover().entries
    try harness.expect(
      recovered == Array(entries(terms)[Int(first.rawValue - 1)...]), "entries after compaction differ")
    try harness.persist(entries: entries([2, 2], from: 2_001))
    try harness.reopen()
    recovered = try harness.recover().entries
    try harness.expect(
      recovered.first?.index == first, "after reopening the log starts at \(String(describing: recovered.first?.index))"
    )
    try harness.expect(
      recovered.last?.index == 2_002, "after reopening the log ends at \(String(describing: recovered.last?.index))")
  }
}

/// A tiny deterministic generator, so payloads are the same on every run.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
