/// Tuning for a ``FileStorage``.
public struct FileStorageOptions: Sendable {
  /// A segment is closed and a new one started once the next record would take it past this
  /// size (a single record larger than this still gets a segment of its own). Smaller segments
  /// let compaction free space sooner; larger ones mean fewer files.
  public var segmentSize: Int
  /// How many of the most recent entries are kept in memory to serve reads without disk I/O.
  public var cachedEntryCount: Int
  /// Create the directory (and its parents' last component) if it does not exist.
  public var createIfMissing: Bool

  /// Options with the given values; a segment size below 4096 bytes is raised to 4096, and a
  /// negative cache size counts as zero.
  public init(segmentSize: Int = 64 << 20, cachedEntryCount: Int = 4096, createIfMissing: Bool = true) {
    self.segmentSize = max(segmentSize, 4096)
    self.cachedEntryCount = max(cachedEntryCount, 0)
    self.createIfMissing = createIfMissing
  }
}
