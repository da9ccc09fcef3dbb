import ArgumentParser
import Dispatch
import Glibc
import Raft
import RaftFileStorage
import Synchronization

/// `raft-bench storage`: durable appends through FileStorage against the disk's own fsync rate.
struct StorageBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "storage",
    abstract: "Durable appends per second of FileStorage at several concurrent writers, and the disk's raw fsync rate.",
    discussion: """
      Method. First the raw rate: one thread writes a record-sized block at the end of a file \
      in --data-dir and calls fdatasync, over and over, for --seconds (at most --entries \
      times). That is the most durable single appends the disk can do one after another.

      Then, for each --writers count W, a fresh FileStorage in --data-dir gets W writers, each \
      with one outstanding request of one --size byte entry: a writer submits its next request \
      only when the previous one's completion ran, so at most W requests are in flight. \
      persist() is called from one thread (as a node does); completions run on the storage's \
      fsync thread. Requests that arrive while an fsync is in flight are synced together by \
      the next one (group commit).

      ops/s: acknowledged entries per second of wall time, after a warm-up of 4 W requests. \
      p50/p99 µs: from persist() until the completion ran, per request. entries/sync: \
      acknowledged entries per sync round of the storage (a round is one log fdatasync, plus one \
      of the metadata when a request in it carried a hard state). x raw: ops/s over the raw \
      fsync rate. With --with-hard-state every configuration runs again with a hard state in \
      every request.
      """
  )

  @Option(help: "Directory for the files (default: a new temporary directory, removed afterwards).")
  var dataDir: String?

  @Option(help: "Payload bytes per entry.")
  var size = 128

  @Option(name: .customLong("writers"), help: "Concurrent writers; repeat to measure several (default: 1, 16 and 256).")
  var writerCounts: [Int] = []

  @Option(help: "Seconds to measure each configuration.")
  var seconds = 3.0

  @Option(help: "At most this many entries per configuration.")
  var entries = 1_000_000

  @Flag(
    help: """
      Also measure every writer count with a hard state (a new commit index) in every request, \
      as a leader's writes carry: the metadata is then synced after the log in each round.
      """)
  var withHardState = false

  @Option(help: "Segment size in bytes.")
  var segmentSize = 64 << 20

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard size >= 0 else { throw ValidationError("--size must not be negative") }
    guard writerCounts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--writers must be positive") }
    guard seconds > 0, entries > 0 else { throw ValidationError("--seconds and --entries must be positive") }
  }

  func run() throws {
    let root: String
    let temporary = dataDir == nil
    if let dataDir {
      root = dataDir
      mkdir(root, 0o755)
    } else {
      var template = Array("/tmp/raft-bench-storage-XXXXXX".utf8CString)
      root = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
    }
    defer { if temporary { StorageRun.remove(root) } }
    var reporter = output.makeReporter()
    let raw = try StorageRun.rawFsync(
      path: root + "/raw-fsync.bench", blockSize: size + 25, seconds: seconds, limit: entries)
    reporter.report(
      BenchmarkResult(
        bench: "storage",
        parameters: [("mode", .text("raw-fdatasync")), ("writers", .integer(1)), ("size", .integer(size))],
        operationsPerSecond: raw.operationsPerSecond, p50Microseconds: raw.p50, p99Microseconds: raw.p99,
        metrics: [
          .init(key: "entries_per_sync", label: "entries/sync", value: 1, decimals: 1),
          .init(key: "x_raw_fsync", label: "x raw", value: 1, decimals: 1),
        ]))
    for hardState in withHardState ? [false, true] : [false] {
      for writers in writerCounts.isEmpty ? [1, 16, 256] : writerCounts {
        let directory = root + "/writers-\(writers)"
        StorageRun.remove(directory)
        let measured = try StorageRun.appends(
          directory: directory, writers: writers, payloadSize: size, seconds: seconds, limit: entries,
          segmentSize: segmentSize, withHardState: hardState)
        StorageRun.remove(directory)
        reporter.report(
          BenchmarkResult(
            bench: "storage",
            parameters: [
              ("mode", .text(hardState ? "file-storage+hard-state" : "file-storage")), ("writers", .integer(writers)),
              ("size", .integer(size)),
            ],
            operationsPerSecond: measured.operationsPerSecond, p50Microseconds: measured.p50,
            p99Microseconds: measured.p99,
            metrics: [
              .init(key: "entries_per_sync", label: "entries/sync", value: measured.entriesPerSync, decimals: 1),
              .init(
                key: "x_raw_fsync", label: "x raw", value: measured.operationsPerSecond / raw.operationsPerSecond,
                decimals: 1),
            ]))
      }
    }
    reporter.finish()
  }
}
