import HeapModule
import Raft

/// What can happen at a point of virtual time.
enum SimulationEvent {
  /// A node's engine clock ticks. Stale once the node crashed (its incarnation moved on).
  case tick(node: Int, incarnation: Int)
  /// A message reaches its destination's network interface.
  case arrival(Message, sentAt: VirtualTime)
  /// A node's pending writes finish their fsync.
  case fsync(node: Int, incarnation: Int)
  /// A node hands out the work its latest inputs produced (after client proposals, which are
  /// batched until then).
  case flush(node: Int, incarnation: Int)
}

/// Pending events in the order they happen: by virtual time, then by the order they were
/// scheduled, so that a run is a function of its seed alone.
struct EventQueue {
  private struct Entry: Comparable {
    var time: VirtualTime
    var sequence: UInt64
    var event: SimulationEvent

    static func < (lhs: Entry, rhs: Entry) -> Bool { (lhs.time, lhs.sequence) < (rhs.time, rhs.sequence) }
    static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.time == rhs.time && lhs.sequence == rhs.sequence }
  }

  private var heap = Heap<Entry>()
  private var nextSequence: UInt64 = 0

  mutating func schedule(_ event: SimulationEvent, at time: VirtualTime) {
    heap.insert(Entry(time: time, sequence: nextSequence, event: event))
    nextSequence += 1
  }

  /// Removes and returns the next event if it happens at or before `deadline`.
  mutating func popNext(notAfter deadline: VirtualTime) -> (time: VirtualTime, event: SimulationEvent)? {
    guard let first = heap.min, first.time <= deadline else { return nil }
    let entry = heap.removeMin()
    return (entry.time, entry.event)
  }

  var count: Int { heap.count }
}
