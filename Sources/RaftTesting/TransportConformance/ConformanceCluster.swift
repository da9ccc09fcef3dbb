import Raft
import Synchronization

/// The transports of one conformance run and what each node received.
final class ConformanceCluster: Sendable {
  let harness: any TransportHarness
  private let transports: Mutex<[NodeID: any Transport]>
  private let inboxes = Mutex<[NodeID: [Message]]>([:])

  init(harness: some TransportHarness) throws {
    self.harness = harness
    guard harness.members.count >= 3 else {
      throw TransportConformanceFailure(message: "a harness needs at least three members")
    }
    var transports: [NodeID: any Transport] = [:]
    for node in harness.members { transports[node] = try harness.makeTransport(for: node) }
    self.transports = Mutex(transports)
  }

  var trio: (NodeID, NodeID, NodeID) { (harness.members[0], harness.members[1], harness.members[2]) }

  func transport(_ node: NodeID) -> any Transport { transports.withLock { $0[node]! } }

  func inbox(_ node: NodeID) -> [Message] { inboxes.withLock { $0[node] ?? [] } }

  func startAll() throws {
    for node in harness.members { try start(node) }
  }

  private func start(_ node: NodeID) throws {
    try transport(node).start(handler: { [self] event in
      if case .received(let message) = event { inboxes.withLock { $0[node, default: []].append(message) } }
    })
  }

  func stop(_ node: NodeID) { transport(node).stop() }

  func restart(_ node: NodeID) throws {
    let fresh = try harness.makeTransport(for: node)
    transports.withLock { $0[node] = fresh }
    try start(node)
  }

  func stopAll() async {
    for node in harness.members { transport(node).stop() }
  }

  /// Polls `condition`. A waiter starved by a busy machine checks once more after waking and
  /// gives up only after the deadline and a minimum number of polls.
  func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + TransportConformance.patience
    var polls = 0
    while true {
      if condition() { return }
      polls += 1
      if ContinuousClock.now >= deadline && polls >= 200 { break }
      try await Task.sleep(for: .milliseconds(5))
    }
    throw TransportConformanceFailure(message: "timed out waiting for \(what)")
  }

  /// Sends a ping every few milliseconds until one arrives: delivery is best effort, so a
  /// check that a link works (again) retries, as Raft does.
  func deliverEventually(from: NodeID, to: NodeID, term: UInt64) async throws {
    let message = TransportConformance.ping(from: from, to: to, term: term)
    let deadline = ContinuousClock.now + TransportConformance.patience
    var rounds = 0
    while true {
      transport(from).send([message])
      for _ in 0..<10 {
        if inbox(to).contains(message) { return }
        try await Task.sleep(for: .milliseconds(5))
      }
      if inbox(to).contains(message) { return }
      rounds += 1
      if ContinuousClock.now >= deadline && rounds >= 40 { break }
    }
    throw TransportConformanceFailure(message: "no message from node \(from) reached node \(to)")
  }
}
