import Dispatch
import Raft
import RaftTesting
import Testing

/// Randomized fault injection: each seed mixes client proposals, symmetric and one-way
/// partitions, crashes that lose unsynced writes, restarts, pauses, message loss, duplication
/// and reordering, under engine options the seed picks, with every safety property checked
/// after every event and convergence checked after healing. Replay a failing seed with
/// `swift run raft-sim --seed S --nodes N --trace`.
@Suite struct RandomizedSimulationTests {
  @Test(arguments: 0..<300 as Range<UInt64>)
  func threeNodes(seed: UInt64) async {
    await expectPass(RandomizedScenario(seed: seed, nodeCount: 3))
  }

  @Test(arguments: 10_000..<10_150 as Range<UInt64>)
  func fiveNodes(seed: UInt64) async {
    await expectPass(RandomizedScenario(seed: seed, nodeCount: 5))
  }

  /// The runs inject what they claim to; a scenario that quietly did nothing would pass too.
  @Test func scenariosMixEveryKindOfFaultAndStillCommit() {
    var faults = FaultCounts()
    var traffic = (dropped: 0, duplicated: 0, blocked: 0)
    var committed = 0
    var snapshots = SnapshotActivity()
    for seed in 0..<10 as Range<UInt64> {
      let outcome = RandomizedScenario(seed: seed, nodeCount: 3).run()
      faults.partitions += outcome.faults.partitions
      faults.oneWayBlocks += outcome.faults.oneWayBlocks
      faults.crashes += outcome.faults.crashes
      faults.restarts += outcome.faults.restarts
      faults.pauses += outcome.faults.pauses
      faults.networkChanges += outcome.faults.networkChanges
      traffic.dropped += outcome.traffic.dropped
      traffic.duplicated += outcome.traffic.duplicated
      traffic.blocked += outcome.traffic.blocked
      committed += outcome.committedProposals
      snapshots.taken += outcome.snapshots.taken
      snapshots.restored += outcome.snapshots.restored
    }
    #expect(faults.partitions > 10)
    #expect(faults.oneWayBlocks > 10)
    #expect(faults.crashes > 10)
    #expect(faults.restarts > 10)
    #expect(faults.pauses > 5)
    #expect(faults.networkChanges > 5)
    #expect(traffic.dropped > 100)
    #expect(traffic.duplicated > 100)
    #expect(traffic.blocked > 100)
    // About 40 per seed: seeds draw their faults anew whenever the options drawn change.
    #expect(committed > 300)
    #expect(snapshots.taken > 20)
    #expect(snapshots.restored > 10)
  }

  private func expectPass(_ scenario: RandomizedScenario) async {
    let outcome = await runOffCooperativePool(scenario)
    if let failure = outcome.failure {
      Issue.record(
        """
        \(failure)
        settings: \(outcome.settings)
        replay: swift run raft-sim --seed \(scenario.seed) --nodes \(scenario.nodeCount) \
        --steps \(scenario.steps) --trace
        """)
    }
  }
}

/// Runs `scenario` on one serial Dispatch queue shared by every seed. Hundreds of CPU-bound
/// seeds on Swift's cooperative pool (two threads here) queue ahead of the continuations of the
/// async tests running beside them, and the libuv transport and node tests, which wait on
/// wall-clock deadlines, then time out. On their own thread the seeds take one core and leave
/// the pool, and the event loops, the other.
private func runOffCooperativePool(_ scenario: RandomizedScenario) async -> ScenarioOutcome {
  await withCheckedContinuation { continuation in
    randomizedRuns.async { continuation.resume(returning: scenario.run()) }
  }
}

private let randomizedRuns = DispatchQueue(label: "RandomizedSimulationTests")
