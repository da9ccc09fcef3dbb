/// The engine's in-memory view of the replicated log: every entry after the last compaction
/// point, with bookkeeping of which ones were handed to storage and which are durable.
///
/// Read-only outside the engine; ``LogBacktracking`` strategies query it.
public struct RaftLog: Sendable {
  /// The index and term of the last entry compacted away (0 and 0 until snapshots exist).
  public private(set) var compactedIndex: LogIndex = .zero
  public private(set) var compactedTerm: Term = .zero
  /// entries[i].index == compactedIndex + 1 + i
  private(set) var entries: [LogEntry] = []
  /// Entries at or after this index have not been handed to storage yet.
  private(set) var unsubmittedFrom: LogIndex = 1
  /// The last index known durable and still part of this log.
  public private(set) var persistedIndex: LogIndex = .zero

  init() {}

  /// A log restored from storage: everything in it is durable. With a snapshot, the log starts
  /// right after it (entries the snapshot covers are dropped, the trailing window included:
  /// it only spares slow followers a snapshot, and the next compaction restores it).
  init(recovered: [LogEntry], snapshot: SnapshotMetadata? = nil) {
    if let snapshot {
      compactedIndex = snapshot.lastIncludedIndex
      compactedTerm = snapshot.lastIncludedTerm
      let kept = recovered.drop { $0.index <= snapshot.lastIncludedIndex }
      precondition(
        kept.first.map { $0.index == snapshot.lastIncludedIndex + 1 } ?? true,
        "the recovered log leaves a gap after \(snapshot)")
      entries = Array(kept)
    } else {
      precondition(recovered.first.map { $0.index == 1 } ?? true, "a recovered log starts at index 1")
      entries = recovered
    }
    persistedIndex = lastIndex
    unsubmittedFrom = lastIndex + 1
  }

  public var firstIndex: LogIndex { compactedIndex + 1 }
  public var lastIndex: LogIndex { compactedIndex + UInt64(entries.count) }
  public var lastTerm: Term { entries.last?.term ?? compactedTerm }

  /// The term of the entry at `index`, or nil if the log does not hold it.
  public func term(at index: LogIndex) -> Term? {
    if index == compactedIndex { return compactedTerm }
    guard index > compactedIndex, index <= lastIndex else { return nil }
    return entries[offset(of: index)].term
  }

  public func entry(at index: LogIndex) -> LogEntry? {
    guard index > compactedIndex, index <= lastIndex else { return nil }
    return entries[offset(of: index)]
  }

  /// Entries in `range`, which must lie within the log.
  public func entries(in range: ClosedRange<LogIndex>) -> ArraySlice<LogEntry> {
    entries[offset(of: range.lowerBound)...offset(of: range.upperBound)]
  }

  /// Entries from `start`, at most `maxCount` and, beyond the first, at most `maxBytes` of payload.
  func entries(from start: LogIndex, maxCount: Int, maxBytes: Int) -> [LogEntry] {
    guard start <= lastIndex else { return [] }
    let first = offset(of: start)
    let limit = min(entries.count, first + maxCount)
    var end = first + 1
    var bytes = entries[first].budgetBytes
    while end < limit {
      bytes += entries[end].budgetBytes
      if bytes > maxBytes { break }
      end += 1
    }
    return Array(entries[first..<end])
  }

  /// Whether a candidate whose log ends at (`index`, `term`) is at least as up to date as this
  /// log: the later last term wins; only equal last terms compare lengths.
  public func isUpToDate(lastIndex index: LogIndex, lastTerm term: Term) -> Bool {
    term > lastTerm || (term == lastTerm && index >= lastIndex)
  }

  /// The last index at or below `index` whose term is `term`, if the log holds one.
  public func lastIndex(ofTerm term: Term, atOrBelow index: LogIndex) -> LogIndex? {
    var candidate = min(index, lastIndex)
    while candidate > compactedIndex {
      let found = entries[offset(of: candidate)].term
      if found == term { return candidate }
      if found < term { return nil }
      candidate = candidate - 1
    }
    return candidate == compactedIndex && compactedTerm == term && term != .zero ? candidate : nil
  }

  /// The first index of the run of entries that share the term of the entry at `index`.
  public func firstIndex(ofTermAt index: LogIndex) -> LogIndex {
    guard let term = term(at: index) else { return index }
    var candidate = index
    while candidate > firstIndex, entries[offset(of: candidate - 1)].term == term {
      candidate = candidate - 1
    }
    return candidate
  }

  // MARK: Mutation (engine only)

  mutating func append(_ entry: LogEntry) {
    precondition(entry.index == lastIndex + 1, "log entries must be contiguous")
    entries.append(entry)
  }

  /// Appends `newEntries` (which start right after an entry this log holds), keeping every
  /// entry that already matches and truncating only at the first real conflict.
  /// - Returns: the index of the first entry that changed, or nil if nothing did.
  @discardableResult
  mutating func merge(_ newEntries: some Collection<LogEntry>) -> LogIndex? {
    for (position, entry) in zip(newEntries.indices, newEntries) {
      if let existing = term(at: entry.index) {
        if existing == entry.term { continue }
        truncate(from: entry.index)
      }
      for remaining in newEntries[position...] { append(remaining) }
      return entry.index
    }
    return nil
  }

  /// Removes every entry at or after `index` (a conflict with the leader).
  private mutating func truncate(from index: LogIndex) {
    precondition(index > compactedIndex, "cannot truncate compacted entries")
    entries.removeSubrange(offset(of: index)...)
    unsubmittedFrom = min(unsubmittedFrom, index)
    persistedIndex = min(persistedIndex, index - 1)
  }

  /// Drops every entry through `index`, which the log holds (a snapshot covers it).
  mutating func compact(through index: LogIndex) {
    guard index > compactedIndex else { return }
    precondition(index <= lastIndex, "cannot compact past the last entry")
    let term = self.term(at: index)!
    entries.removeSubrange(...offset(of: index))
    compactedIndex = index
    compactedTerm = term
    unsubmittedFrom = max(unsubmittedFrom, index + 1)
  }

  /// Drops every entry: the log now starts after a snapshot ending at (`index`, `term`), which
  /// it conflicts with or does not reach. Nothing after it is durable yet.
  mutating func reset(afterSnapshotAt index: LogIndex, term: Term) {
    entries.removeAll()
    compactedIndex = index
    compactedTerm = term
    unsubmittedFrom = index + 1
    persistedIndex = min(persistedIndex, index)
  }

  /// Entries not yet handed to storage, now marked as handed.
  mutating func takeUnsubmitted() -> [LogEntry] {
    guard unsubmittedFrom <= lastIndex else { return [] }
    let result = Array(entries[offset(of: unsubmittedFrom)...])
    unsubmittedFrom = lastIndex + 1
    return result
  }

  /// Storage reports that the log as it stood when it ended at (`index`, `term`) is durable.
  mutating func markPersisted(through index: LogIndex, term: Term) {
    // A conflict may have replaced that entry since; then the later write will report it.
    guard index > persistedIndex, self.term(at: index) == term else { return }
    persistedIndex = index
  }

  private func offset(of index: LogIndex) -> Int { Int(index.rawValue - compactedIndex.rawValue) - 1 }
}
