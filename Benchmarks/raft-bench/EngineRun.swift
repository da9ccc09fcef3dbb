import MallocCounter
import Raft

/// One measured configuration of the engine benchmark: a fresh cluster, a warm-up, a measured
/// run, then the check that every node applied everything.
struct EngineRun {
  struct Measurement {
    var nanoseconds: UInt64
    var p50Microseconds: Double
    var p99Microseconds: Double
    /// Allocations during the measured run, without the proposals' payloads.
    var engineAllocations: UInt64
    var engineBytes: UInt64
    var payloadAllocations: UInt64
    var entriesPerAppend: Double
  }

  enum Failure: Error, CustomStringConvertible {
    case rejectedProposal(ProposalError)
    case incomplete(node: NodeID, applied: Int, expected: Int)

    var description: String {
      switch self {
      case .rejectedProposal(let error): "the leader rejected a proposal: \(error)"
      case .incomplete(let node, let applied, let expected):
        "node \(node) applied \(applied) commands, expected \(expected)"
      }
    }
  }

  var entries: Int
  var warmup: Int
  var payloadSize: Int
  var batch: Int
  var backtracking: any LogBacktracking

  func measure() throws -> Measurement {
    var cluster = try EngineCluster(backtracking: backtracking, payloadSize: payloadSize)
    try cluster.electLeader()
    // Log indexes: the no-op, then every proposal.
    var latencies = LatencyRecorder(capacity: Int(cluster.leader.log.lastIndex.rawValue) + warmup + entries)
    let template = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0) }

    _ = try drive(&cluster, proposals: warmup, template: template, latencies: &latencies)

    latencies.start(at: cluster.leader.log.lastIndex + 1)
    let statisticsBefore = cluster.leader.statistics
    let allocationsBefore = AllocationCounter.snapshot()
    let start = MonotonicClock.nanoseconds()
    let payload = try drive(&cluster, proposals: entries, template: template, latencies: &latencies)
    let end = MonotonicClock.nanoseconds()
    let allocated = AllocationCounter.snapshot() - allocationsBefore
    let statisticsAfter = cluster.leader.statistics

    try cluster.converge()
    for (node, applied) in cluster.applied.enumerated() where applied.commands != warmup + entries {
      throw Failure.incomplete(node: NodeID(UInt64(node + 1)), applied: applied.commands, expected: warmup + entries)
    }
    precondition(latencies.count == entries, "every measured entry has a latency sample")

    let percentiles = latencies.percentilesInMicroseconds([0.5, 0.99])
    let appends = statisticsAfter.appendMessagesSent - statisticsBefore.appendMessagesSent
    let sent = statisticsAfter.entriesSent - statisticsBefore.entriesSent
    return Measurement(
      nanoseconds: end - start, p50Microseconds: percentiles[0], p99Microseconds: percentiles[1],
      engineAllocations: allocated.allocations - payload.allocations, engineBytes: allocated.bytes - payload.bytes,
      payloadAllocations: payload.allocations, entriesPerAppend: appends > 0 ? Double(sent) / Double(appends) : 0)
  }

  /// Proposes `proposals` entries, `batch` per cycle, and runs cycles until the leader applied
  /// them all.
  /// - Returns: what allocating the payloads cost, to tell it apart from the engine's cost.
  private func drive(
    _ cluster: inout EngineCluster, proposals: Int, template: [UInt8], latencies: inout LatencyRecorder
  ) throws -> AllocationCounter.Snapshot {
    let target = cluster.applied[0].commands + proposals
    var proposed = 0
    var payloadCost = AllocationCounter.Snapshot(allocations: 0, bytes: 0)
    while cluster.applied[0].commands < target {
      let cycleStart = MonotonicClock.nanoseconds()
      var inCycle = 0
      proposing: while inCycle < batch && proposed < proposals {
        let before = AllocationCounter.snapshot()
        let payload = Self.freshCopy(of: template)
        payloadCost.allocations += malloc_counter_allocations() - before.allocations
        payloadCost.bytes += malloc_counter_bytes() - before.bytes
        do {
          let index = try cluster.propose(payload)
          latencies.proposed(index, at: cycleStart)
        } catch {
          // The uncommitted log is full: let replication catch up.
          guard case .uncommittedLogFull = error else { throw Failure.rejectedProposal(error) }
          break proposing
        }
        proposed += 1
        inCycle += 1
      }
      try cluster.runCycle { committed in
        let now = MonotonicClock.nanoseconds()
        for entry in committed where entry.kind == .command { latencies.committed(entry.index, at: now) }
      }
    }
    return payloadCost
  }

  /// A payload in its own buffer, as a client's command arriving from the network would be
  /// (copying an Array would only share the template's buffer).
  private static func freshCopy(of template: [UInt8]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: template.count) { buffer, initialized in
      initialized = buffer.initialize(fromContentsOf: template)
    }
  }
}
