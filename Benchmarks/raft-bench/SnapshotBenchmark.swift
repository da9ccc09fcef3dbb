import ArgumentParser
import Raft

#if canImport(Glibc)
  import Glibc
#endif

/// `raft-bench snapshot`: how long a large state takes to snapshot, ship and restore, and how
/// much memory each step adds.
struct SnapshotBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Snapshot write, transfer and restore time and memory for a key-value state.",
    discussion: """
      Method. A key-value state machine is filled with --keys pairs (keys of 11 bytes, values \
      of --value-size bytes) by applying commands. Then three phases, each timed on its own:

      write: the state machine streams its snapshot through SnapshotEncoder (64 KiB buffer) \
      into a storage sink that writes each chunk to a file and checksums it; finish fsyncs \
      and renames the file into place.

      transfer: two engines, a leader holding that snapshot and an empty follower, run the \
      InstallSnapshot protocol: the leader's chunks (--chunk bytes) are read from its file \
      with pread, the follower writes them to its own file as its persistence requests say, \
      verifies the CRC-32C, installs and reports the snapshot to restore.

      restore: a new state machine restores from the follower's file through the storage's \
      reader (64 KiB reads), which checks the checksum at the end.

      ops/s: keys per second of the phase. p50/p99 µs: per chunk (a 64 KiB write, a transfer \
      chunk delivered, a 64 KiB read). Memory: the resident set size (from /proc/self/statm) \
      before and after each phase; the state's own size is the growth while building it, \
      which a restore must add again. Files go to --directory (default /tmp; on tmpfs, fsync \
      costs nothing). The restored state must equal the original or the benchmark fails.
      """
  )

  @Option(help: "Keys in the state.")
  var keys = 1_000_000

  @Option(help: "Bytes per value.")
  var valueSize = 16

  @Option(help: "The most bytes per InstallSnapshot chunk (maxSnapshotChunkBytes).")
  var chunk = 1 << 20

  @Option(help: "Where to write the snapshot files.")
  var directory = "/tmp"

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard keys > 0 else { throw ValidationError("--keys must be positive") }
    guard valueSize >= 0 else { throw ValidationError("--value-size must not be negative") }
    guard chunk > 0 else { throw ValidationError("--chunk must be positive") }
  }

  func run() throws {
    let base = "\(directory)/raft-bench-snapshot-\(getpid())"
    let leaderDirectory = base + "-leader"
    let followerDirectory = base + "-follower"
    for path in [leaderDirectory, followerDirectory] { mkdir(path, 0o755) }
    defer { for path in [leaderDirectory, followerDirectory] { rmdir(path) } }

    let beforeState = ResidentMemory.bytes()
    var state = KeyValueStore()
    let value = [UInt8](repeating: 0x76, count: valueSize)
    for key in 0..<keys {
      let name = Array("k\(String(key).leftPadded(to: 10))".utf8)
      _ = state.apply(KeyValueStore.command(key: name, value: value), at: LogIndex(UInt64(key + 1)))
    }
    let stateBytes = ResidentMemory.bytes() - beforeState
    let lastIndex = LogIndex(UInt64(keys))

    var results: [BenchmarkResult] = []
    // Write.
    let leaderStorage = FileSnapshotStorage(directory: leaderDirectory)
    var phase = Phase.start()
    let sink = try leaderStorage.beginSnapshot(SnapshotRequest(index: lastIndex, term: 1, members: [1, 2]))
    var writer = sink
    try state.writeSnapshot(to: &writer)
    let metadata = try sink.finish()
    results.append(phase.finish("write", keys: keys, snapshotBytes: metadata.size, stateBytes: stateBytes, self))

    // Transfer.
    let followerStorage = FileSnapshotStorage(directory: followerDirectory)
    var transfer = try SnapshotTransferRun(
      leaderStorage: leaderStorage, followerStorage: followerStorage, metadata: metadata, chunkBytes: chunk)
    try transfer.electLeader()
    phase = Phase.start()
    try transfer.run()
    results.append(phase.finish("transfer", keys: keys, snapshotBytes: metadata.size, stateBytes: stateBytes, self))

    // Restore.
    phase = Phase.start()
    var restored = KeyValueStore()
    var reader = TimedReader(base: followerStorage.snapshotReader(for: metadata))
    try restored.restoreSnapshot(from: &reader)
    results.append(phase.finish("restore", keys: keys, snapshotBytes: metadata.size, stateBytes: stateBytes, self))
    guard restored == state else { throw ValidationError("the restored state differs from the original") }

    var reporter = output.makeReporter()
    for result in results { reporter.report(result) }
    reporter.finish()
  }
}

/// One timed phase: wall time, per-chunk marks and resident memory around it.
private struct Phase {
  var startedAt: UInt64
  var rssBefore: Int

  static func start() -> Phase {
    let rss = ResidentMemory.bytes()
    SnapshotBenchmarkClock.start()
    return Phase(startedAt: MonotonicClock.nanoseconds(), rssBefore: rss)
  }

  func finish(_ name: String, keys: Int, snapshotBytes: UInt64, stateBytes: Int, _ options: SnapshotBenchmark)
    -> BenchmarkResult
  {
    let seconds = Double(MonotonicClock.nanoseconds() - startedAt) / 1e9
    let rssAfter = ResidentMemory.bytes()
    let percentiles = SnapshotBenchmarkClock.percentiles([0.5, 0.99])
    let mebibyte = Double(1 << 20)
    return BenchmarkResult(
      bench: "snapshot",
      parameters: [
        ("phase", .text(name)), ("keys", .integer(keys)), ("value_size", .integer(options.valueSize)),
        ("chunk", .integer(options.chunk)),
      ],
      operationsPerSecond: Double(keys) / seconds,
      p50Microseconds: percentiles[0],
      p99Microseconds: percentiles[1],
      metrics: [
        .init(key: "seconds", label: "seconds", value: seconds, decimals: 3),
        .init(key: "snapshot_mib", label: "snapshot MiB", value: Double(snapshotBytes) / mebibyte, decimals: 1),
        .init(key: "mib_per_sec", label: "MiB/s", value: Double(snapshotBytes) / mebibyte / seconds, decimals: 0),
        .init(key: "state_rss_mib", label: "state MiB", value: Double(stateBytes) / mebibyte, decimals: 1),
        .init(key: "rss_before_mib", label: "RSS before MiB", value: Double(rssBefore) / mebibyte, decimals: 1),
        .init(key: "rss_after_mib", label: "RSS after MiB", value: Double(rssAfter) / mebibyte, decimals: 1),
        .init(
          key: "rss_growth_mib", label: "RSS growth MiB", value: Double(rssAfter - rssBefore) / mebibyte, decimals: 1),
      ])
  }
}

/// A reader that marks each chunk it hands out, for the restore's per-chunk latency.
private struct TimedReader: SnapshotReader {
  var base: StoredSnapshotReader

  mutating func read(maxCount: Int) throws -> [UInt8] {
    let bytes = try base.read(maxCount: maxCount)
    SnapshotBenchmarkClock.mark()
    return bytes
  }
}

/// The resident set size, from /proc/self/statm.
enum ResidentMemory {
  static func bytes() -> Int {
    let descriptor = open("/proc/self/statm", O_RDONLY)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, 128) }
    guard count > 0 else { return 0 }
    let fields = buffer[0..<count].split(separator: 0x20)
    guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
    return pages * sysconf(Int32(_SC_PAGESIZE))
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
