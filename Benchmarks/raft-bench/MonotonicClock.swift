#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A cheap monotonic nanosecond clock (clock_gettime through the vDSO; no allocation, unlike
/// building `ContinuousClock.Instant`s and `Duration`s in a hot loop).
enum MonotonicClock {
  @inline(__always)
  static func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }

  /// CPU time (user and system) this thread has used: on a busy machine the wall clock also
  /// counts the time other processes held the core.
  static func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}
