import Raft

/// One measured configuration of the engine benchmark: a fresh cluster, a warm-up, a measured
/// run, then the check that every node applied everything.
struct EngineRun {
  struct Measurement {
    var nanoseconds: UInt64
    var cpuNanoseconds: UInt64
    var p50Microseconds: Double
    var p99Microseconds: Double
    /// Allocations during the measured run (the proposals' payloads are made before it).
    var allocations: UInt64
    var allocatedBytes: UInt64
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

    try drive(&cluster, payloads: payloads(count: warmup), latencies: &latencies)

    let measured = payloads(count: entries)
    latencies.start(at: cluster.leader.log.lastIndex + 1)
    let statisticsBefore = cluster.leader.statistics
    let allocationsBefore = AllocationCounter.snapshot()
    let start = MonotonicClock.nanoseconds()
    let cpuStart = MonotonicClock.threadCPUNanoseconds()
    try drive(&cluster, payloads: measured, latencies: &latencies)
    let cpuEnd = MonotonicClock.threadCPUNanoseconds()
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
      nanoseconds: end - start, cpuNanoseconds: cpuEnd - cpuStart, p50Microseconds: percentiles[0],
      p99Microseconds: percentiles[1],
      allocations: allocated.allocations, allocatedBytes: allocated.bytes,
      entriesPerAppend: appends > 0 ? Double(sent) / Double(appends) : 0)
  }

  /// Proposes `payloads`, `batch` per cycle, and runs cycles until the leader applied them all.
  // Out of line so that a profiler can single out the measured loop (callgrind --toggle-collect).
  @inline(never)
  private func drive(_ cluster: inout EngineCluster, payloads: [[UInt8]], latencies: inout LatencyRecorder) throws {
    let target = cluster.applied[0].commands + payloads.count
    var next = payloads.startIndex
    while cluster.applied[0].commands < target {
      let cycleStart = MonotonicClock.nanoseconds()
      let cycleEnd = min(next + batch, payloads.endIndex)
      while next < cycleEnd {
        do {
          let index = try cluster.propose(payloads[next])
          latencies.proposed(index, at: cycleStart)
        } catch {
          // The uncommitted log is full: let replication catch up.
          guard case .uncommittedLogFull = error else { throw Failure.rejectedProposal(error) }
          break
        }
        next += 1
      }
      try cluster.runCycle { committed in
        let now = MonotonicClock.nanoseconds()
        for entry in committed where entry.kind == .command { latencies.committed(entry.index, at: now) }
      }
    }
  }

  /// Payloads in buffers of their own, as commands arriving from clients would be. They are
  /// made before a run: allocating them is the client's cost, not the engine's, and the engine
  /// keeps every entry anyway (no log compaction yet), so making them early costs no memory.
  private func payloads(count: Int) -> [[UInt8]] {
    (0..<count).map { number in
      [UInt8](unsafeUninitializedCapacity: payloadSize) { buffer, initialized in
        for offset in buffer.indices { buffer[offset] = UInt8(truncatingIfNeeded: number &+ offset) }
        initialized = payloadSize
      }
    }
  }
}
