/// Why a ``FileStorage`` refused to open, or why an operation failed.
///
/// Every case that describes damage on disk names the file (and where it matters the byte
/// offset), so an operator can look at exactly what is wrong. Opening never repairs anything
/// except a torn write at the very end of the log, which a crash leaves by design.
public enum FileStorageError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Another open storage (in this or another process) holds the directory's lock file.
  case directoryLocked(directory: String)
  /// The format file names a layout this release does not understand.
  case unsupportedFormatVersion(file: String, found: String)
  /// The directory holds storage files but no format file, so their layout is unknown.
  case missingFormatFile(directory: String)
  /// Neither metadata slot holds a valid record.
  case corruptMetadata(file: String)
  /// The metadata file is gone although the log or snapshots are there: the term and vote are
  /// lost, and starting over from term 0 could vote twice in a term.
  case missingMetadata(file: String)
  /// A segment's header is damaged.
  case corruptSegmentHeader(file: String)
  /// A record fails its checksum or framing somewhere a crash cannot have torn it.
  case corruptRecord(file: String, offset: Int64, reason: String)
  /// A record carries an index other than the one after its predecessor.
  case indexGap(file: String, offset: Int64, expected: UInt64, found: UInt64)
  /// A segment is missing: the log jumps from `lastIndexBefore` to the first index of `file`.
  case missingSegment(file: String, expectedFirstIndex: UInt64, foundFirstIndex: UInt64)
  /// A snapshot file is damaged or incomplete.
  case corruptSnapshot(file: String, reason: String)
  /// A write would leave a hole in the log (its first index is past the next free one) or
  /// rewrite entries that compaction already removed.
  case nonContiguousAppend(expectedAtMost: UInt64, found: UInt64)
  /// A read asked for entries outside the stored range.
  case indexOutOfRange(requested: UInt64, first: UInt64, last: UInt64)
  /// The storage was closed, or an earlier write failed; it accepts no more requests.
  case unavailable(reason: String)
  /// A system call failed.
  case io(operation: String, path: String, errno: Int32)

  /// A sentence for logs and operators, naming the file and offset where there is one.
  public var description: String {
    switch self {
    case .directoryLocked(let directory):
      "\(directory) is locked by another open storage (another process, or another FileStorage in this one)"
    case .unsupportedFormatVersion(let file, let found):
      "\(file): unsupported storage format \"\(found)\" (this release reads version \(StorageFormat.version))"
    case .missingFormatFile(let directory):
      "\(directory) holds storage files but no \(StorageFormat.fileName) file; refusing to guess their format"
    case .corruptMetadata(let file): "\(file): neither metadata slot holds a valid record"
    case .missingMetadata(let file): "\(file) is missing, but the log or snapshots exist: the term and vote are lost"
    case .corruptSegmentHeader(let file): "\(file): damaged segment header"
    case .corruptRecord(let file, let offset, let reason): "\(file) at offset \(offset): \(reason)"
    case .indexGap(let file, let offset, let expected, let found):
      "\(file) at offset \(offset): expected index \(expected), found \(found)"
    case .missingSegment(let file, let expected, let found):
      "missing segment before \(file): the log should continue at index \(expected) but \(file) starts at \(found)"
    case .corruptSnapshot(let file, let reason): "\(file): \(reason)"
    case .nonContiguousAppend(let expected, let found):
      "entries must start at or before index \(expected) (and not before the log's first index), got \(found)"
    case .indexOutOfRange(let requested, let first, let last):
      "index \(requested) is outside the stored log \(first)...\(last)"
    case .unavailable(let reason): "storage unavailable: \(reason)"
    case .io(let operation, let path, let errno): "\(operation) \(path) failed: errno \(errno)"
    }
  }
}
