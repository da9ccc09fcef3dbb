import Raft

/// Per-proposal commit latency: the time from proposing an entry until the leader hands it
/// back as committed.
///
/// Storage is allocated up front so recording allocates nothing during a measured run.
struct LatencyRecorder {
  /// Proposal time of each log index (indexes beyond the ones proposed are never read).
  private var proposedAt: [UInt64]
  private var samples: [UInt64] = []
  /// Only entries at or after this index are recorded (earlier ones are warm-up).
  private var firstRecordedIndex = LogIndex(UInt64.max)

  init(capacity: Int) {
    proposedAt = [UInt64](repeating: 0, count: capacity + 1)
    samples.reserveCapacity(capacity)
  }

  /// Records from `index` on, dropping what was recorded before.
  mutating func start(at index: LogIndex) {
    firstRecordedIndex = index
    samples.removeAll(keepingCapacity: true)
  }

  @inline(__always)
  mutating func proposed(_ index: LogIndex, at time: UInt64) {
    proposedAt[Int(index.rawValue)] = time
  }

  @inline(__always)
  mutating func committed(_ index: LogIndex, at time: UInt64) {
    guard index >= firstRecordedIndex else { return }
    samples.append(time - proposedAt[Int(index.rawValue)])
  }

  var count: Int { samples.count }

  /// Nearest-rank percentiles in microseconds, `fractions` in 0...1.
  func percentilesInMicroseconds(_ fractions: [Double]) -> [Double] {
    guard !samples.isEmpty else { return fractions.map { _ in .nan } }
    let sorted = samples.sorted()
    return fractions.map { fraction in
      let rank = Int((fraction * Double(sorted.count)).rounded(.up))
      return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1_000
    }
  }
}
