import DequeModule
import Raft

/// The log's files and in-memory index, owned by the writing side of a ``FileStorage``.
///
/// Memory use is bounded by design: the last few entries are cached, and every other entry is
/// found through a 4-byte offset per entry, grouped by segment, and read back from disk.
struct SegmentedLog {
  struct Segment {
    var file: SharedFile
    var firstIndex: UInt64
    /// The offset of each record, in index order.
    var offsets: [UInt32]
    /// Where the valid records end and the next record goes (the file is preallocated beyond,
    /// with zeros).
    var size: Int64
    var lastIndex: UInt64 { firstIndex + UInt64(offsets.count) - 1 }
  }

  /// What one write touched, for the fsync thread.
  struct WriteEffects {
    var files: [SharedFile] = []
    var directoryChanged = false
  }

  let directory: DataDirectory
  let segmentSize: Int
  let cacheCapacity: Int
  private(set) var segments: [Segment] = []
  /// The first index the log holds (or would hold, when empty).
  private(set) var firstIndex: UInt64
  private(set) var lastIndex: UInt64
  /// The most recent entries, ending at `lastIndex`.
  private var cache = Deque<LogEntry>()
  /// Reused between writes so encoding allocates nothing in the steady state.
  private var buffer: [UInt8] = []

  init(directory: DataDirectory, plan: LogRecoveryPlan, logStart: UInt64, options: FileStorageOptions) throws {
    self.directory = directory
    segmentSize = options.segmentSize
    cacheCapacity = options.cachedEntryCount
    firstIndex = max(logStart, plan.segments.first?.firstIndex ?? logStart)
    for scanned in plan.segments {
      let file = SharedFile(descriptor: try FileSystem.open(scanned.path), path: scanned.path)
      segments.append(
        Segment(file: file, firstIndex: scanned.firstIndex, offsets: scanned.offsets, size: scanned.validLength))
    }
    // The segment that takes the next writes gets its space back if a repair cut it (the first
    // sync after opening makes the allocation durable).
    if let last = segments.last { FileSystem.preallocate(last.file.descriptor, size: Int64(segmentSize)) }
    if let last = segments.last, !last.offsets.isEmpty {
      lastIndex = last.lastIndex
    } else if let last = segments.last {
      lastIndex = last.firstIndex - 1
    } else {
      lastIndex = firstIndex - 1
    }
    if let first = segments.first, first.firstIndex < firstIndex, first.offsets.isEmpty {
      firstIndex = first.firstIndex
    }
    if lastIndex + 1 < firstIndex { firstIndex = lastIndex + 1 }
    let cached = min(UInt64(cacheCapacity), lastIndex + 1 - firstIndex)
    if cached > 0 { cache.append(contentsOf: try entries(from: lastIndex + 1 - cached, through: lastIndex)) }
  }

  var isEmpty: Bool { lastIndex < firstIndex }

  // MARK: Writing

  /// Writes `entries` (contiguous), replacing stored entries from the first one's index on.
  /// The data reaches the page cache only; the returned effects say what the fsync thread
  /// must sync.
  mutating func append(_ entries: [LogEntry]) throws -> WriteEffects {
    var effects = WriteEffects()
    guard let first = entries.first?.index.rawValue else { return effects }
    guard (isEmpty && segments.isEmpty) || (first <= lastIndex + 1 && first >= firstIndex) else {
      throw FileStorageError.nonContiguousAppend(expectedAtMost: lastIndex + 1, found: first)
    }
    if isEmpty && segments.isEmpty { firstIndex = first }
    if first <= lastIndex { try truncate(from: first, effects: &effects) }
    buffer.removeAll(keepingCapacity: true)
    var pendingOffsets: [UInt32] = []
    for entry in entries {
      let recordSize = RecordFormat.recordSize(payloadCount: entry.payload.count)
      guard recordSize <= RecordFormat.maximumRecordSize else {
        throw FileStorageError.corruptRecord(
          file: directory.logDirectory, offset: 0,
          reason: "entry \(entry.index) of \(entry.payload.count) bytes exceeds the record size limit")
      }
      if let last = segments.last {
        let size = last.size + Int64(buffer.count)
        let hasRecords = !last.offsets.isEmpty || !pendingOffsets.isEmpty
        if hasRecords && size + Int64(recordSize) > Int64(segmentSize) {
          try flush(offsets: &pendingOffsets, effects: &effects)
          try startSegment(firstIndex: entry.index.rawValue, effects: &effects)
        }
      } else {
        try startSegment(firstIndex: entry.index.rawValue, effects: &effects)
      }
      pendingOffsets.append(UInt32(segments[segments.count - 1].size + Int64(buffer.count)))
      RecordFormat.append(entry, to: &buffer)
    }
    try flush(offsets: &pendingOffsets, effects: &effects)
    lastIndex = entries[entries.count - 1].index.rawValue
    if cacheCapacity > 0 {
      cache.append(contentsOf: entries.suffix(cacheCapacity))
      if cache.count > cacheCapacity { cache.removeFirst(cache.count - cacheCapacity) }
    }
    return effects
  }

  private mutating func flush(offsets: inout [UInt32], effects: inout WriteEffects) throws {
    guard !buffer.isEmpty else { return }
    let last = segments.count - 1
    try FileSystem.write(
      segments[last].file.descriptor, buffer, at: segments[last].size, path: segments[last].file.path)
    segments[last].size += Int64(buffer.count)
    segments[last].offsets.append(contentsOf: offsets)
    if !effects.files.contains(where: { $0 === segments[last].file }) { effects.files.append(segments[last].file) }
    buffer.removeAll(keepingCapacity: true)
    offsets.removeAll(keepingCapacity: true)
  }

  private mutating func startSegment(firstIndex: UInt64, effects: inout WriteEffects) throws {
    try FileSystem.makeDirectory(directory.logDirectory)
    let path = directory.segmentPath(firstIndex: firstIndex)
    let fd = try FileSystem.open(path, create: true)
    let file = SharedFile(descriptor: fd, path: path)
    try FileSystem.truncate(fd, to: 0, path: path)
    try FileSystem.write(fd, SegmentHeader.encode(firstIndex: firstIndex), at: 0, path: path)
    FileSystem.preallocate(fd, size: Int64(segmentSize))
    segments.append(Segment(file: file, firstIndex: firstIndex, offsets: [], size: Int64(SegmentHeader.size)))
    effects.files.append(file)
    effects.directoryChanged = true
  }

  /// Durably removes the entries from `index` on, before anything new is written after them.
  ///
  /// Synchronous (two syncs on the caller's thread) because conflicts are rare and the order
  /// matters: later segments go first (with a directory sync), so a crash never leaves a gap
  /// between a shortened segment and a surviving later one; the cut segment is synced before
  /// new records are written over its old tail, so a crash never mixes new records with old ones.
  private mutating func truncate(from index: UInt64, effects: inout WriteEffects) throws {
    var removedAny = false
    while let last = segments.last, last.firstIndex > index || (last.firstIndex == index && segments.count > 1) {
      try FileSystem.remove(last.file.path)
      segments.removeLast()
      removedAny = true
    }
    if removedAny { try FileSystem.syncDirectory(directory.logDirectory) }
    if let last = segments.indices.last {
      let keep = Int(index - segments[last].firstIndex)
      if keep < segments[last].offsets.count {
        let cut = Int64(segments[last].offsets[keep])
        try FileSystem.truncate(segments[last].file.descriptor, to: cut, path: segments[last].file.path)
        FileSystem.preallocate(segments[last].file.descriptor, size: Int64(segmentSize))
        try FileSystem.dataSync(segments[last].file.descriptor, path: segments[last].file.path)
        segments[last].offsets.removeSubrange(keep...)
        segments[last].size = cut
      }
    }
    lastIndex = index - 1
    while let entry = cache.last, entry.index.rawValue >= index { cache.removeLast() }
  }

  /// How many leading segments hold only entries at or below `index` (never the last segment,
  /// which takes the next writes).
  func segmentsCovered(through index: UInt64) -> Int {
    var count = 0
    while count + 1 < segments.count && segments[count].lastIndex <= index && !segments[count].offsets.isEmpty {
      count += 1
    }
    return count
  }

  /// Forgets the first `count` segments and deletes their files (the new first index is already
  /// durable in the metadata, so a crash midway leaves only files recovery deletes again).
  mutating func dropSegments(_ count: Int) throws {
    guard count > 0 else { return }
    let removed = segments.prefix(count)
    segments.removeFirst(count)
    firstIndex = segments[0].firstIndex
    while let entry = cache.first, entry.index.rawValue < firstIndex { cache.removeFirst() }
    for segment in removed { try FileSystem.remove(segment.file.path) }
    try FileSystem.syncDirectory(directory.logDirectory)
  }

  /// Deletes every segment (a snapshot that conflicts with the log replaces all of it); the
  /// next entry written is `nextIndex`. The caller records the new start in the metadata.
  mutating func discardAll(nextIndex: UInt64) throws {
    let removedAny = !segments.isEmpty
    while let last = segments.last {
      try FileSystem.remove(last.file.path)
      segments.removeLast()
    }
    if removedAny { try FileSystem.syncDirectory(directory.logDirectory) }
    cache.removeAll()
    firstIndex = nextIndex
    lastIndex = nextIndex - 1
  }

  // MARK: Reading

  /// The entries `from...through`, from the cache where it holds them, otherwise from disk.
  func entries(from start: UInt64, through end: UInt64) throws -> [LogEntry] {
    guard start <= end else { return [] }
    guard start >= firstIndex, end <= lastIndex else {
      throw FileStorageError.indexOutOfRange(
        requested: start < firstIndex ? start : end, first: firstIndex, last: lastIndex)
    }
    var result: [LogEntry] = []
    result.reserveCapacity(Int(end - start + 1))
    let cacheStart = lastIndex + 1 - UInt64(cache.count)
    var next = start
    while next <= end && next < cacheStart {
      let position = segmentPosition(of: next)
      let segment = segments[position]
      let last = min(end, cacheStart - 1, segment.lastIndex)
      try read(segment, from: next, through: last, into: &result)
      next = last + 1
    }
    while next <= end {
      result.append(cache[Int(next - cacheStart)])
      next += 1
    }
    return result
  }

  private func segmentPosition(of index: UInt64) -> Int {
    var low = 0
    var high = segments.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if segments[middle].firstIndex <= index { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Reads a run of records with one pread and checks each one again: the disk may have
  /// damaged them since recovery read them.
  private func read(_ segment: Segment, from start: UInt64, through end: UInt64, into result: inout [LogEntry]) throws {
    let first = Int(start - segment.firstIndex)
    let last = Int(end - segment.firstIndex)
    let begin = Int64(segment.offsets[first])
    let finish = last + 1 < segment.offsets.count ? Int64(segment.offsets[last + 1]) : segment.size
    let bytes = try FileSystem.read(
      segment.file.descriptor, at: begin, count: Int(finish - begin), path: segment.file.path)
    try bytes.withUnsafeBytes { raw in
      var offset = 0
      for index in start...end {
        switch RecordFormat.decode(raw, at: offset, maximumSize: RecordFormat.maximumRecordSize) {
        case .record(let entry, let size) where entry.index.rawValue == index:
          result.append(entry)
          offset += size
        case .record(let entry, _):
          throw FileStorageError.indexGap(
            file: segment.file.path, offset: begin + Int64(offset), expected: index, found: entry.index.rawValue)
        case .incomplete:
          throw FileStorageError.corruptRecord(
            file: segment.file.path, offset: begin + Int64(offset), reason: "record cut short")
        case .invalid(let reason):
          throw FileStorageError.corruptRecord(file: segment.file.path, offset: begin + Int64(offset), reason: reason)
        }
      }
    }
  }
}
