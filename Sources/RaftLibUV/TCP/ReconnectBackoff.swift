/// Capped exponential backoff with jitter: attempt n waits a random time in
/// `[d/2, d]` where `d = min(maximum, initial * 2^n)`.
///
/// The jitter spreads out peers that lost a node at the same moment, so they do not all
/// reconnect at the same instant when it returns.
struct ReconnectBackoff {
  let initialMilliseconds: UInt64
  let maximumMilliseconds: UInt64
  private(set) var attempts = 0

  init(initialMilliseconds: UInt64, maximumMilliseconds: UInt64) {
    self.initialMilliseconds = max(1, initialMilliseconds)
    self.maximumMilliseconds = max(self.initialMilliseconds, maximumMilliseconds)
  }

  /// The delay before the next attempt; counts the attempt.
  mutating func nextDelay(using random: inout some RandomNumberGenerator) -> UInt64 {
    let shift = min(attempts, 32)
    attempts += 1
    let (scaled, overflow) = initialMilliseconds.multipliedReportingOverflow(by: 1 << UInt64(shift))
    let ceiling = overflow ? maximumMilliseconds : min(maximumMilliseconds, scaled)
    return UInt64.random(in: (ceiling / 2)...ceiling, using: &random)
  }

  /// Starts over after a connection that held.
  mutating func reset() { attempts = 0 }
}
