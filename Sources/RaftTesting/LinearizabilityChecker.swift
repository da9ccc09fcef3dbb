import Raft

/// Checks that reads of registers are linearizable from the history of writes and reads that
/// clients observed: every read returns the value of the latest write that completed before the
/// read began, or of a write concurrent with the read (Raft thesis 6.4, pitfall 20).
///
/// Writes are ordered by their log index, which the checker learns when a write completes or
/// from the value a read returned (``RegisterValue/index``). A read of `key` that began at
/// `start` and ended at `end` may return:
/// - nothing, only if no write to `key` completed before `start`;
/// - the value of a write to `key` that began before `end` and whose index is at least that of
///   every write to `key` that completed before `start`.
///
/// A write's values must be unique per key, so that a returned value names its write. Writes
/// that never complete (their client crashed or gave up) are concurrent with every later read.
public struct LinearizabilityChecker: Sendable {
  private struct Write: Sendable {
    var startedAt: VirtualTime
    var completion: (time: VirtualTime, index: LogIndex)?
  }

  /// Writes by key, then by value.
  private var writes: [String: [String: Write]] = [:]
  /// Reads checked so far.
  public private(set) var readsChecked = 0
  /// Writes reported complete so far.
  public private(set) var writesCompleted = 0

  /// An empty history.
  public init() {}

  /// A client began writing `value` to `key` at `time`.
  public mutating func writeStarted(key: String, value: String, at time: VirtualTime) {
    if writes[key]?[value] == nil { writes[key, default: [:]][value] = Write(startedAt: time) }
  }

  /// The client that wrote `value` to `key` learned at `time` that it committed at `index`.
  public mutating func writeCompleted(key: String, value: String, index: LogIndex, at time: VirtualTime) {
    var write = writes[key]?[value] ?? Write(startedAt: time)
    guard write.completion == nil else { return }
    write.completion = (time, index)
    writes[key, default: [:]][value] = write
    writesCompleted += 1
  }

  /// Checks a read of `key` that began at `start`, ended at `end`, and returned `returned`.
  /// - Throws: ``InvariantViolation`` of ``Invariant/linearizableReads`` if the read is stale,
  ///   returns a value never written, or a value written only after it ended.
  public mutating func checkRead(
    key: String, startedAt start: VirtualTime, endedAt end: VirtualTime, returned: RegisterValue?
  )
    throws(InvariantViolation)
  {
    readsChecked += 1
    let history = writes[key] ?? [:]
    var latest: (value: String, index: LogIndex, completedAt: VirtualTime)?
    for (value, write) in history {
      guard let completion = write.completion, completion.time < start else { continue }
      if latest.map({ completion.index > $0.index }) ?? true { latest = (value, completion.index, completion.time) }
    }
    let read = "read of '\(key)' during t=\(start)...\(end)"
    guard let returned else {
      if let latest {
        throw InvariantViolation(
          .linearizableReads,
          "\(read) found nothing, but the write of '\(latest.value)' at \(latest.index) completed at t=\(latest.completedAt)"
        )
      }
      return
    }
    guard let write = history[returned.value] else {
      throw InvariantViolation(.linearizableReads, "\(read) returned \(returned), which no client wrote")
    }
    guard write.startedAt <= end else {
      throw InvariantViolation(
        .linearizableReads, "\(read) returned \(returned), written only at t=\(write.startedAt), after the read ended")
    }
    if let latest, returned.index < latest.index {
      throw InvariantViolation(
        .linearizableReads,
        "stale read: \(read) returned \(returned), but the write of '\(latest.value)' at \(latest.index)"
          + " completed at t=\(latest.completedAt), before the read began")
    }
  }
}
