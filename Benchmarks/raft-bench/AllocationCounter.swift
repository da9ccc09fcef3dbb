import MallocCounter

/// Process-wide heap allocation counts, read from the MallocCounter target's malloc wrappers.
///
/// The wrappers exist only with glibc. ``isWorking`` checks once that an allocation really
/// moves the counter, so a build where the wrappers are not bound (another libc, a linker that
/// dropped them) reports "n/a" instead of a false zero.
enum AllocationCounter {
  struct Snapshot {
    var allocations: UInt64
    var bytes: UInt64

    static func - (after: Snapshot, before: Snapshot) -> Snapshot {
      Snapshot(allocations: after.allocations - before.allocations, bytes: after.bytes - before.bytes)
    }
  }

  @inline(__always)
  static func snapshot() -> Snapshot {
    Snapshot(allocations: malloc_counter_allocations(), bytes: malloc_counter_bytes())
  }

  /// Whether allocations are being counted: allocating 100 fresh arrays must count at least 100.
  static let isWorking: Bool = {
    let before = snapshot()
    var arrays: [[UInt64]] = []
    arrays.reserveCapacity(100)
    for value in 0..<100 { arrays.append([UInt64](repeating: UInt64(value), count: 16)) }
    let counted = snapshot() - before
    return withExtendedLifetime(arrays) { counted.allocations >= 100 }
  }()
}
