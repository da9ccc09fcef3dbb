import ArgumentParser
import Raft

/// `raft-bench engine`: the engine's own throughput, latency and allocations, without I/O.
struct EngineBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engine",
    abstract: "Committed entries per second of three engines in one process, without I/O.",
    discussion: """
      Method. Three RaftEngine values run on one thread; node 1 is elected first. Each cycle \
      the leader is handed --batch proposals of --size bytes, then every node, leader first, \
      steps the messages waiting for it and drains ready(): messages go straight into the \
      receiver's inbox and every persistence request is acknowledged at once. No ticks, so \
      heartbeats and elections play no part. Payloads are made before the run, each in its own \
      buffer: allocating them is the client's cost, not the engine's. A warm-up (--warmup) runs \
      first on the same cluster, then --entries proposals are measured.

      ops/s: measured entries divided by the time from the first measured proposal until the \
      leader applied the last one. The work of all three nodes, including a trivial state \
      machine that checks order and size, is inside that time, on one core. ops/cpu-s divides \
      by the CPU time the benchmark's thread used instead, which a busy machine does not inflate.

      p50/p99 µs: per entry, from the start of the cycle that proposed it until the leader's \
      ready() returned it as committed.

      allocs/entry, bytes/entry: heap allocations (malloc, calloc, realloc, posix_memalign, \
      aligned_alloc, memalign) in the whole process during the measured run, divided by the \
      entries. They are counted by the MallocCounter target, which wraps glibc's allocator; \
      the harness reuses its own buffers, so the figures are the engine's. "n/a" where the \
      counter does not work (not glibc).

      entries/append: entries the leader sent per AppendEntries message.

      After each run every node must have applied every entry exactly once and in order, or \
      the benchmark fails, so it cannot silently measure nothing.
      """
  )

  enum Backtracking: String, CaseIterable, ExpressibleByArgument {
    case decrement
    case conflictHint = "conflict-hint"

    var strategy: any LogBacktracking {
      switch self {
      case .decrement: DecrementBacktracking()
      case .conflictHint: ConflictHintBacktracking()
      }
    }
  }

  @Option(help: "Entries to measure per configuration.")
  var entries = 1_000_000

  @Option(help: "Payload bytes per entry.")
  var size = 64

  @Option(
    name: .customLong("batch"),
    help: "Proposals per ready cycle; repeat to measure several (default: 1, 16 and 256).")
  var batches: [Int] = []

  @Option(
    help: """
      Log backtracking strategy (\(Backtracking.allCases.map(\.rawValue).joined(separator: ", "))). \
      Steady-state replication has no rejections, so it only matters once followers diverge.
      """)
  var backtracking: Backtracking = .conflictHint

  @Option(help: "Entries to run before measuring (default: a tenth of --entries, at most 100,000).")
  var warmup: Int?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard entries > 0 else { throw ValidationError("--entries must be positive") }
    guard size >= 0 else { throw ValidationError("--size must not be negative") }
    guard batches.allSatisfy({ $0 > 0 }) else { throw ValidationError("--batch must be positive") }
    guard (warmup ?? 0) >= 0 else { throw ValidationError("--warmup must not be negative") }
  }

  func run() throws {
    var reporter = output.makeReporter()
    for batch in batches.isEmpty ? [1, 16, 256] : batches {
      let run = EngineRun(
        entries: entries, warmup: warmup ?? min(entries / 10, 100_000), payloadSize: size, batch: batch,
        backtracking: backtracking.strategy)
      let measurement = try run.measure()
      reporter.report(result(of: measurement, batch: batch))
    }
    reporter.finish()
  }

  private func result(of measurement: EngineRun.Measurement, batch: Int) -> BenchmarkResult {
    let perEntry = { (total: UInt64) in Double(total) / Double(entries) }
    let counting = AllocationCounter.isWorking
    return BenchmarkResult(
      bench: "engine",
      parameters: [
        ("batch", .integer(batch)), ("size", .integer(size)), ("entries", .integer(entries)),
        ("backtracking", .text(backtracking.rawValue)),
      ],
      operationsPerSecond: Double(entries) / (Double(measurement.nanoseconds) / 1e9),
      p50Microseconds: measurement.p50Microseconds,
      p99Microseconds: measurement.p99Microseconds,
      metrics: [
        .init(
          key: "ops_per_cpu_sec", label: "ops/cpu-s",
          value: Double(entries) / (Double(measurement.cpuNanoseconds) / 1e9), decimals: 0),
        .init(
          key: "allocs_per_op", label: "allocs/entry", value: counting ? perEntry(measurement.allocations) : nil,
          decimals: 3),
        .init(
          key: "alloc_bytes_per_op", label: "bytes/entry", value: counting ? perEntry(measurement.allocatedBytes) : nil,
          decimals: 1),
        .init(key: "entries_per_append", label: "entries/append", value: measurement.entriesPerAppend, decimals: 1),
      ]
    )
  }
}
