import ArgumentParser
import Foundation
import RaftTesting

@main
struct RaftSim: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "raft-sim",
    abstract: "Soak-test the Raft engine in a deterministic cluster simulator.",
    discussion: """
      Each seed drives one randomized run. The seed picks the engine options (backtracking \
      strategy, pre-vote, check-quorum, batching and flow-control limits), the network's loss, \
      duplication and delays, the disk's fsync latency and a fault mix, then drives client \
      register writes (to the leader and through followers, which forward them), linearizable \
      reads on any node, leadership transfers, symmetric and one-way partitions, crashes that \
      lose unsynced writes, restarts, pauses and message reordering. Every Raft safety property \
      is checked after every event, and every read served is checked against the writes \
      clients saw complete (no stale read); at the end the cluster is healed and must commit a new command on every node and still \
      hold every proposal it reported committed.

      Each failing seed is printed with its reason, its settings and the last events before \
      the failure; the output ends with the line "N passed, M failed", and the exit status is \
      non-zero if any seed failed. A seed replays exactly, given the same --nodes and --steps:

        raft-sim --seeds 1000 --nodes 5         # seeds 0 to 999, five nodes
        raft-sim --seed 417 --nodes 5 --trace   # replay seed 417, print every event
      """
  )

  @Option(
    name: .customLong("seeds"), help: ArgumentHelp("Run this many seeds, from --first-seed on.", valueName: "n"))
  var seedCount: Int?

  @Option(help: ArgumentHelp("The first seed of a --seeds run.", valueName: "s"))
  var firstSeed: UInt64 = 0

  @Option(name: .customLong("seed"), help: ArgumentHelp("Run only this seed.", valueName: "s"))
  var singleSeed: UInt64?

  @Option(help: ArgumentHelp("Cluster size: 3 or 5.", valueName: "3|5"))
  var nodes: Int = 3

  @Option(
    help: ArgumentHelp(
      "Steps per seed; each lets up to 50 ms of virtual time pass, then may inject a fault.", valueName: "k"))
  var steps: Int = 300

  @Flag(help: "Print every event of the run (with --seed).")
  var trace = false

  @Option(help: ArgumentHelp("Seeds run in parallel; the default is the number of processors.", valueName: "j"))
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  func validate() throws {
    guard (seedCount == nil) != (singleSeed == nil) else {
      throw ValidationError("Give either --seeds N or --seed S.")
    }
    if let seedCount, seedCount < 1 { throw ValidationError("--seeds must be at least 1.") }
    guard nodes == 3 || nodes == 5 else { throw ValidationError("--nodes must be 3 or 5.") }
    guard steps >= 0 else { throw ValidationError("--steps must not be negative.") }
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1.") }
    if trace && singleSeed == nil { throw ValidationError("--trace replays one seed: use it with --seed S.") }
  }

  func run() async throws {
    if let singleSeed {
      let outcome = RandomizedScenario(seed: singleSeed, nodeCount: nodes, steps: steps, recordsFullTrace: trace).run()
      report(outcome, printingFullTrace: trace)
      print(outcome.passed ? "1 passed, 0 failed" : "0 passed, 1 failed")
      if !outcome.passed { throw ExitCode.failure }
      return
    }
    let seeds = (0..<UInt64(seedCount!)).map { firstSeed &+ $0 }
    let outcomes = await runInParallel(seeds)
    var failed = 0
    for outcome in outcomes where !outcome.passed {
      failed += 1
      report(outcome, printingFullTrace: false)
    }
    print("\(outcomes.count - failed) passed, \(failed) failed")
    if failed > 0 { throw ExitCode.failure }
  }

  private func report(_ outcome: ScenarioOutcome, printingFullTrace: Bool) {
    if printingFullTrace, let trace = outcome.trace {
      for line in trace { print(line) }
    }
    print(outcome.summary)
    print("  settings: \(outcome.settings)")
    if let failure = outcome.failure {
      if !printingFullTrace {
        print("  last \(failure.trace.count) events:")
        for line in failure.trace { print("    \(line)") }
      }
      print("  replay: raft-sim --seed \(outcome.seed) --nodes \(nodes) --steps \(steps) --trace")
    }
  }

  /// Runs seeds on `jobs` workers; outcomes come back in seed order.
  private func runInParallel(_ seeds: [UInt64]) async -> [ScenarioOutcome] {
    let nodes = nodes
    let steps = steps
    return await withTaskGroup(of: [(Int, ScenarioOutcome)].self) { group in
      for worker in 0..<min(jobs, seeds.count) {
        group.addTask {
          stride(from: worker, to: seeds.count, by: jobs).map { position in
            (position, RandomizedScenario(seed: seeds[position], nodeCount: nodes, steps: steps).run())
          }
        }
      }
      var outcomes: [ScenarioOutcome?] = Array(repeating: nil, count: seeds.count)
      for await batch in group {
        for (position, outcome) in batch { outcomes[position] = outcome }
      }
      return outcomes.map { $0! }
    }
  }
}
