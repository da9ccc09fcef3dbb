import ArgumentParser
import Raft

/// `raft-bench reads`: linearizable reads through ReadIndex on three engines, without I/O.
struct ReadBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reads",
    abstract: "Linearizable reads per second through ReadIndex on three engines in one process.",
    discussion: """
      Method. The cluster of `raft-bench engine` (three RaftEngine values on one thread, \
      messages straight into the receiver's inbox, persistence acknowledged at once); node 1 \
      is elected and every node applies its no-op. Then a closed loop keeps --concurrency \
      reads in flight on one node (--on leader or follower): each cycle it requests new reads \
      for those served, then every node, leader first, steps its messages and drains ready(). \
      Reads requested in one cycle share one heartbeat round: the leader sends one heartbeat \
      per follower carrying the round, and serves every read of the round once a quorum \
      echoed it. A follower's reads cost one extra round trip to the leader. No writes and no \
      ticks, so every heartbeat belongs to a read round. A warm-up (--warmup) runs first.

      ops/s: reads served divided by the wall time of the measured loop, on one core, all \
      three nodes' work included. ops/cpu-s divides by the thread's CPU time instead.

      p50/p99 µs: per read, from the start of the cycle that requested it until ready() \
      handed it out as safe to run.

      rounds/read: heartbeat rounds the leader ran per read (1/concurrency when batching \
      works). allocs/read, bytes/read: heap allocations in the process during the measured \
      loop, per read ("n/a" where the counter does not work).
      """
  )

  enum Node: String, CaseIterable, ExpressibleByArgument {
    case leader
    case follower

    var index: Int { self == .leader ? 0 : 1 }
  }

  @Option(help: "Reads to measure per configuration.")
  var reads = 500_000

  @Option(
    name: .customLong("concurrency"),
    help: "Reads in flight; repeat to measure several (default: 1, 16 and 256).")
  var concurrencies: [Int] = []

  @Option(help: "The node the reads are made on (leader, follower).")
  var on: Node = .leader

  @Option(help: "Reads to run before measuring (default: a tenth of --reads, at most 50,000).")
  var warmup: Int?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard reads > 0 else { throw ValidationError("--reads must be positive") }
    guard concurrencies.allSatisfy({ $0 > 0 }) else { throw ValidationError("--concurrency must be positive") }
    guard (warmup ?? 0) >= 0 else { throw ValidationError("--warmup must not be negative") }
  }

  func run() throws {
    var reporter = output.makeReporter()
    for concurrency in concurrencies.isEmpty ? [1, 16, 256] : concurrencies {
      let run = ReadRun(
        reads: reads, warmup: warmup ?? min(reads / 10, 50_000), concurrency: concurrency, node: on.index)
      let measurement = try run.measure()
      reporter.report(result(of: measurement, concurrency: concurrency))
    }
    reporter.finish()
  }

  private func result(of measurement: ReadRun.Measurement, concurrency: Int) -> BenchmarkResult {
    let perRead = { (total: UInt64) in Double(total) / Double(reads) }
    let counting = AllocationCounter.isWorking
    return BenchmarkResult(
      bench: "reads",
      parameters: [("concurrency", .integer(concurrency)), ("on", .text(on.rawValue)), ("reads", .integer(reads))],
      operationsPerSecond: Double(reads) / (Double(measurement.nanoseconds) / 1e9),
      p50Microseconds: measurement.p50Microseconds,
      p99Microseconds: measurement.p99Microseconds,
      metrics: [
        .init(
          key: "ops_per_cpu_sec", label: "ops/cpu-s",
          value: Double(reads) / (Double(measurement.cpuNanoseconds) / 1e9), decimals: 0),
        .init(key: "rounds_per_op", label: "rounds/read", value: measurement.roundsPerRead, decimals: 4),
        .init(
          key: "allocs_per_op", label: "allocs/read", value: counting ? perRead(measurement.allocations) : nil,
          decimals: 2),
        .init(
          key: "alloc_bytes_per_op", label: "bytes/read", value: counting ? perRead(measurement.allocatedBytes) : nil,
          decimals: 1),
      ]
    )
  }
}
