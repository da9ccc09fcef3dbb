import Raft

/// One measured configuration of the read benchmark: a fresh cluster with a leader, a warm-up,
/// then a closed loop of `concurrency` linearizable reads in flight on one node, each read
/// replaced by a new one as soon as it is served.
struct ReadRun {
  struct Measurement {
    var nanoseconds: UInt64
    var cpuNanoseconds: UInt64
    var p50Microseconds: Double
    var p99Microseconds: Double
    var allocations: UInt64
    var allocatedBytes: UInt64
    /// Heartbeat rounds the leader ran per read served.
    var roundsPerRead: Double
  }

  enum Failure: Error, CustomStringConvertible {
    case refused(ReadError)
    case stalled(served: Int, expected: Int)

    var description: String {
      switch self {
      case .refused(let error): "a read was refused: \(error)"
      case .stalled(let served, let expected): "only \(served) of \(expected) reads were served"
      }
    }
  }

  var reads: Int
  var warmup: Int
  var concurrency: Int
  /// 0 reads on the leader; 1 on a follower, which asks the leader for each batch's read index.
  var node: Int

  func measure() throws -> Measurement {
    var cluster = try EngineCluster(backtracking: ConflictHintBacktracking(), payloadSize: 0)
    try cluster.electLeader()
    var latencies = LatencyRecorder(capacity: warmup + reads)
    var nextID = 0
    try drive(&cluster, count: warmup, nextID: &nextID, latencies: &latencies)

    // Read ids double as the recorder's indexes (offset by one: index 0 is never recorded).
    latencies.start(at: LogIndex(UInt64(nextID + 1)))
    let heartbeatsBefore = cluster.leader.statistics.appendMessagesSent
    let allocationsBefore = AllocationCounter.snapshot()
    let start = MonotonicClock.nanoseconds()
    let cpuStart = MonotonicClock.threadCPUNanoseconds()
    try drive(&cluster, count: reads, nextID: &nextID, latencies: &latencies)
    let cpuEnd = MonotonicClock.threadCPUNanoseconds()
    let end = MonotonicClock.nanoseconds()
    let allocated = AllocationCounter.snapshot() - allocationsBefore
    let heartbeats = cluster.leader.statistics.appendMessagesSent - heartbeatsBefore
    precondition(latencies.count == reads, "every measured read has a latency sample")

    let percentiles = latencies.percentilesInMicroseconds([0.5, 0.99])
    let followers = cluster.engines.count - 1
    return Measurement(
      nanoseconds: end - start, cpuNanoseconds: cpuEnd - cpuStart, p50Microseconds: percentiles[0],
      p99Microseconds: percentiles[1], allocations: allocated.allocations, allocatedBytes: allocated.bytes,
      roundsPerRead: Double(heartbeats) / Double(followers) / Double(reads))
  }

  /// Serves `count` reads with `concurrency` in flight: each cycle tops the reads in flight up,
  /// then runs one pass over the nodes. Nothing else happens, so every heartbeat the leader
  /// sends belongs to a read round.
  @inline(never)
  private func drive(_ cluster: inout EngineCluster, count: Int, nextID: inout Int, latencies: inout LatencyRecorder)
    throws
  {
    let last = nextID + count
    var served = 0
    var inFlight = 0
    var idleCycles = 0
    while served < count {
      let cycleStart = MonotonicClock.nanoseconds()
      while inFlight < concurrency && nextID < last {
        do {
          try cluster.requestRead(ReadRequestID(UInt64(nextID)), on: node)
        } catch {
          throw Failure.refused(error)
        }
        latencies.proposed(LogIndex(UInt64(nextID + 1)), at: cycleStart)
        nextID += 1
        inFlight += 1
      }
      try cluster.runCycle { _ in }
      guard !cluster.readsServed.isEmpty else {
        idleCycles += 1
        if idleCycles > 1_000 { throw Failure.stalled(served: served, expected: count) }
        continue
      }
      idleCycles = 0
      let now = MonotonicClock.nanoseconds()
      for read in cluster.readsServed { latencies.committed(LogIndex(read.id.rawValue + 1), at: now) }
      served += cluster.readsServed.count
      inFlight -= cluster.readsServed.count
      cluster.readsServed.removeAll(keepingCapacity: true)
    }
  }
}
