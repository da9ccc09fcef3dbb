import Raft

#if canImport(Glibc)
  import Glibc
#endif

/// A ``Storage`` that keeps only snapshots, in files, for the snapshot benchmark: enough of a
/// file store to stream a snapshot to disk, from disk to a follower's disk, and back into a
/// state machine, with no copy of the whole content in memory. Log entries and hard state are
/// kept in memory (the benchmark writes none of consequence).
final class FileSnapshotStorage: Storage, @unchecked Sendable {
  private let directory: String
  private var current: (metadata: SnapshotMetadata, path: String)?
  private var incoming: (metadata: SnapshotMetadata, descriptor: Int32)?
  private var counter = 0

  init(directory: String) { self.directory = directory }

  deinit {
    if let incoming { close(incoming.descriptor) }
    if let current { unlink(current.path) }
    unlink(incomingPath)
  }

  private var incomingPath: String { directory + "/incoming.snap" }

  func recover() throws -> PersistentState { PersistentState(snapshot: current?.metadata) }

  func persist(_ request: PersistenceRequest, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
    do {
      for write in request.snapshotWrites { try apply(write) }
      completion(.success(()))
    } catch {
      completion(.failure(error))
    }
  }

  private func apply(_ write: SnapshotWrite) throws {
    switch write {
    case .chunk(let metadata, let offset, let data):
      if offset == 0 {
        if let incoming { close(incoming.descriptor) }
        incoming = (metadata, try Self.open(incomingPath))
      }
      guard let incoming, incoming.metadata == metadata else { throw SnapshotError.notFound(metadata) }
      try Self.write(data, to: incoming.descriptor, at: offset)
    case .install(let metadata, _):
      guard let incoming, incoming.metadata == metadata else { throw SnapshotError.notFound(metadata) }
      fsync(incoming.descriptor)
      close(incoming.descriptor)
      self.incoming = nil
      try install(metadata, from: incomingPath)
    }
  }

  private func install(_ metadata: SnapshotMetadata, from path: String) throws {
    counter += 1
    let target = directory + "/snapshot-\(counter).snap"
    guard rename(path, target) == 0 else { throw SnapshotError.malformed("rename failed: errno \(errno)") }
    if let current { unlink(current.path) }
    current = (metadata, target)
  }

  func beginSnapshot(_ request: SnapshotRequest) throws -> any StorageSnapshotSink {
    Sink(storage: self, request: request, descriptor: try Self.open(directory + "/writing.snap"))
  }

  func readSnapshot(_ metadata: SnapshotMetadata, from offset: UInt64, maxCount: Int) throws -> [UInt8] {
    guard let current, current.metadata == metadata else { throw SnapshotError.notFound(metadata) }
    guard offset <= metadata.size else { throw SnapshotError.outOfBounds(offset: offset, size: metadata.size) }
    let descriptor = Glibc.open(current.path, O_RDONLY)
    guard descriptor >= 0 else { throw SnapshotError.malformed("open failed: errno \(errno)") }
    defer { close(descriptor) }
    let count = Int(min(UInt64(maxCount), metadata.size - offset))
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let read = bytes.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
      }
      guard read > 0 else { throw SnapshotError.malformed("read failed at \(offset + UInt64(done))") }
      done += read
    }
    return bytes
  }

  private static func open(_ path: String) throws -> Int32 {
    let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw SnapshotError.malformed("cannot create \(path): errno \(errno)") }
    return descriptor
  }

  private static func write(_ data: [UInt8], to descriptor: Int32, at offset: UInt64) throws {
    var done = 0
    while done < data.count {
      let written = data.withUnsafeBytes {
        pwrite(descriptor, $0.baseAddress! + done, data.count - done, off_t(offset) + off_t(done))
      }
      guard written > 0 else { throw SnapshotError.malformed("write failed: errno \(errno)") }
      done += written
    }
  }

  /// Streams a new snapshot into `writing.snap`; `finish` syncs it and renames it into place.
  private final class Sink: StorageSnapshotSink {
    private let storage: FileSnapshotStorage
    private let request: SnapshotRequest
    private let descriptor: Int32
    private var size: UInt64 = 0
    private var checksum = CRC32C()

    init(storage: FileSnapshotStorage, request: SnapshotRequest, descriptor: Int32) {
      self.storage = storage
      self.request = request
      self.descriptor = descriptor
    }

    func write(_ bytes: [UInt8]) throws {
      checksum.update(bytes)
      try FileSnapshotStorage.write(bytes, to: descriptor, at: size)
      size += UInt64(bytes.count)
      SnapshotBenchmarkClock.mark()
    }

    func finish() throws -> SnapshotMetadata {
      fsync(descriptor)
      close(descriptor)
      let metadata = SnapshotMetadata(
        lastIncludedIndex: request.index, lastIncludedTerm: request.term, members: request.members, size: size,
        checksum: checksum.value)
      try storage.install(metadata, from: storage.directory + "/writing.snap")
      return metadata
    }

    func abandon() {
      close(descriptor)
      unlink(storage.directory + "/writing.snap")
    }
  }
}

/// Marks chunk boundaries during a measured phase: the intervals between marks are the
/// per-chunk latencies the benchmark reports as p50 and p99.
enum SnapshotBenchmarkClock {
  nonisolated(unsafe) static var marks: [UInt64] = []

  static func start() {
    marks.removeAll(keepingCapacity: true)
    marks.append(MonotonicClock.nanoseconds())
  }

  @inline(__always) static func mark() { marks.append(MonotonicClock.nanoseconds()) }

  /// Nearest-rank percentiles of the intervals, in microseconds.
  static func percentiles(_ fractions: [Double]) -> [Double] {
    let intervals = zip(marks.dropFirst(), marks).map { $0 - $1 }.sorted()
    guard !intervals.isEmpty else { return fractions.map { _ in .nan } }
    return fractions.map { fraction in
      let rank = Int((fraction * Double(intervals.count)).rounded(.up))
      return Double(intervals[min(max(rank, 1), intervals.count) - 1]) / 1_000
    }
  }
}
