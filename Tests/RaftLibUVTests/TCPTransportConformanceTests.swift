import Raft
import RaftTesting
import Testing

@Suite("Transport conformance: TCP")
struct TCPTransportConformanceTests {
  @Test(arguments: TransportConformance.Check.allCases)
  func conformance(check: TransportConformance.Check) async throws {
    #expect(try await TransportConformance.run(check, harness: TCPTransportHarness()) == .passed)
  }
}
