import Raft
import RaftTesting
import Testing

@Suite("Transport conformance: in-memory")
struct InMemoryTransportConformanceTests {
  @Test(arguments: TransportConformance.Check.allCases)
  func conformance(check: TransportConformance.Check) async throws {
    let outcome = try await TransportConformance.run(check, harness: InMemoryTransportHarness())
    switch check {
    case .delivery, .reconnectionAfterRestart: #expect(outcome == .passed)
    default: #expect(outcome != .passed, "a byte-level check cannot pass without bytes")
    }
  }
}
