import DequeModule

/// Keeps the most recent trace events for failure reports, and optionally all of them.
struct TraceRecorder {
  private var recent = Deque<TraceEvent>()
  private var all: [TraceEvent]?
  let capacity: Int

  init(capacity: Int, recordsEverything: Bool) {
    self.capacity = max(capacity, 1)
    self.all = recordsEverything ? [] : nil
  }

  mutating func record(_ event: TraceEvent) {
    if recent.count == capacity { recent.removeFirst() }
    recent.append(event)
    all?.append(event)
  }

  var recentLines: [String] { recent.map(\.line) }
  var allLines: [String]? { all?.map(\.line) }
}
