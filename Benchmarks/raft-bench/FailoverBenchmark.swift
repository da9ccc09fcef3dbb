import ArgumentParser
import Raft
import RaftLibUV

/// `raft-bench failover`: how long a 3-node cluster is unavailable after its leader stops.
struct FailoverBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "failover",
    abstract: "Time from stopping a leader to the first committed proposal under a new one (3 nodes, loopback TCP).",
    discussion: """
      Method. Three RaftNodes in one process, each on its own libuv loop with a TCPTransport on \
      127.0.0.1 and a MemoryStorage, with the default timing (10 ms ticks, election timeout \
      10 ticks, so 100-200 ms randomized, pre-vote and check-quorum on). Each round stops the \
      leader (node.stop(), which closes its connections at once, as a killed process's kernel \
      would), then proposes to the other two nodes in turn, retrying every millisecond, until \
      one proposal commits. The stopped node then restarts from its storage on its port and \
      the cluster settles before the next round.

      p50/p99 µs: of the per-round failover times. ops/s: rounds per second of failover time \
      (1 / mean), for the common output format. max ms: the slowest round.
      """
  )

  @Option(help: "Failovers to measure.")
  var rounds = 10

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
  }

  func run() async throws {
    let cluster = try await BenchCluster.start(makeStorage: { _ in MemoryStorage() })
    var times: [Double] = []
    for _ in 0..<rounds {
      let leader = try await cluster.leader()
      // The leader commits something first, so the round starts from a working cluster.
      _ = try await cluster.node(leader).propose([1])
      let start = MonotonicClock.nanoseconds()
      await cluster.node(leader).stop()
      try await proposeUntilCommitted(cluster, avoiding: leader)
      times.append(Double(MonotonicClock.nanoseconds() - start) / 1_000)
      try await cluster.restart(leader)
      try await settle(cluster)
    }
    let sorted = times.sorted()
    func percentile(_ fraction: Double) -> Double {
      sorted[min(max(Int((fraction * Double(sorted.count)).rounded(.up)), 1), sorted.count) - 1]
    }
    let mean = times.reduce(0, +) / Double(times.count)
    var reporter = output.makeReporter()
    reporter.report(
      BenchmarkResult(
        bench: "failover",
        parameters: [("rounds", .integer(rounds)), ("transport", .text("tcp")), ("storage", .text("memory"))],
        operationsPerSecond: 1e6 / mean, p50Microseconds: percentile(0.5), p99Microseconds: percentile(0.99),
        metrics: [
          .init(key: "mean_ms", label: "mean ms", value: mean / 1000, decimals: 1),
          .init(key: "max_ms", label: "max ms", value: sorted.last! / 1000, decimals: 1),
        ]))
    reporter.finish()
    await cluster.shutdown()
  }

  private func proposeUntilCommitted(_ cluster: BenchCluster, avoiding stopped: NodeID) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      for id in cluster.ids where id != stopped {
        do {
          _ = try await cluster.node(id).propose([2])
          return
        } catch {
          try await Task.sleep(for: .milliseconds(1))
        }
      }
    }
    throw ValidationError("no proposal committed within 30 s of stopping the leader")
  }

  /// Waits until every node follows one leader and has applied what it committed.
  private func settle(_ cluster: BenchCluster) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      let leader = try await cluster.leader()
      let target = try await cluster.node(leader).status().commitIndex
      var settled = true
      for id in cluster.ids {
        let status = try await cluster.node(id).status()
        settled = settled && status.leader == leader && status.appliedIndex >= target
      }
      if settled { return }
      try await Task.sleep(for: .milliseconds(5))
    }
    throw ValidationError("the cluster did not settle within 30 s after a restart")
  }
}
