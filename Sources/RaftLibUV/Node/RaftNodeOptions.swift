import Logging

/// Runtime settings of a ``RaftNode`` (the protocol settings are in `NodeConfiguration`).
public struct RaftNodeOptions: Sendable {
  /// The engine's clock period: election timeouts and heartbeats are counted in ticks of this.
  public var tickInterval: Duration
  /// Seeds the engine's randomness (election timeouts); nil draws a random seed.
  public var seed: UInt64?
  /// Where log lines go; nil is quiet.
  public var logger: Logger?

  /// - Parameters:
  ///   - tickInterval: 10 ms by default, so the default 10-tick election timeout is 100–200 ms.
  public init(tickInterval: Duration = .milliseconds(10), seed: UInt64? = nil, logger: Logger? = nil) {
    self.tickInterval = tickInterval
    self.seed = seed
    self.logger = logger
  }
}
