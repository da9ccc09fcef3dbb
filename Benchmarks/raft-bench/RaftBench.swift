import ArgumentParser

/// The benchmark command line: one subcommand per layer of the framework.
@main
struct RaftBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "raft-bench",
    abstract: "Measures SwiftRaft's throughput, latency and allocations, one layer per subcommand.",
    discussion: """
      Build and run in release mode: swift run -c release raft-bench <subcommand>. Every \
      subcommand prints a table, or with --json one JSON object per result line: \
      {"bench":..., "params":{...}, "ops_per_sec":..., "p50_us":..., "p99_us":..., ...}.
      """,
    subcommands: [
      EngineBenchmark.self, ReadBenchmark.self, StorageBenchmark.self, NodeBenchmark.self, FailoverBenchmark.self,
      SnapshotBenchmark.self,
    ]
  )
}
