/// Why a simulation stopped: a broken safety property, a cluster that made no progress once
/// healed, or a failed expectation of a test helper (such as ``Simulation/checkOneLeader(attempts:)``).
///
/// Its ``description`` holds everything needed to reproduce and understand the failure: the
/// seed, the reason, the virtual time, and the last trace events as readable lines.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
  /// The kind of failure.
  public enum Reason: Hashable, Sendable, CustomStringConvertible {
    /// A Raft safety property broke.
    case violated(Invariant)
    /// The healed cluster did not make the progress it must.
    case noProgress
    /// A test helper's expectation failed.
    case expectationFailed

    public var description: String {
      switch self {
      case .violated(let invariant): "\(invariant) violated"
      case .noProgress: "no progress"
      case .expectationFailed: "expectation failed"
      }
    }
  }

  /// The seed that replays this run.
  public var seed: UInt64
  /// What kind of failure it is.
  public var reason: Reason
  /// What exactly went wrong: nodes, indexes, entries.
  public var detail: String
  /// When it was detected.
  public var time: VirtualTime
  /// The last trace events before the failure, oldest first (``SimulationOptions/traceCapacity``).
  public var trace: [String]

  /// A failure of the run with `seed`.
  public init(seed: UInt64, reason: Reason, detail: String, time: VirtualTime, trace: [String]) {
    self.seed = seed
    self.reason = reason
    self.detail = detail
    self.time = time
    self.trace = trace
  }

  /// The broken invariant, if a safety property broke.
  public var invariant: Invariant? {
    if case .violated(let invariant) = reason { return invariant }
    return nil
  }

  /// One line: seed, reason, detail.
  public var summary: String { "seed \(seed): \(reason) at t=\(time): \(detail)" }

  public var description: String {
    "\(summary)\nlast \(trace.count) events:\n" + trace.map { "  \($0)" }.joined(separator: "\n")
  }
}
