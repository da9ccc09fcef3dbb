import Testing

@testable import Raft

/// A ``NodeConfiguration`` that exists is valid: every bad value is refused at construction
/// with an error that names it.
@Suite("Node configuration is validated at construction")
struct ConfigurationValidationTests {
  @Test("An empty cluster is refused")
  func emptyCluster() {
    #expect(throws: ConfigurationError.emptyCluster) { try NodeConfiguration(id: 1, members: []) }
    #expect(ConfigurationError.emptyCluster.description == "the cluster has no members")
  }

  @Test("A node that is not among the members is refused, naming the members")
  func ownIDMissing() {
    #expect(throws: ConfigurationError.notAMember(id: 4, members: [1, 2, 3])) {
      try NodeConfiguration(id: 4, members: [3, 1, 2])
    }
    #expect(
      ConfigurationError.notAMember(id: 4, members: [1, 2, 3]).description
        == "node 4 is not among the members 1,2,3")
  }

  @Test("Node id 0 is reserved, as a member or as the node itself")
  func reservedID() {
    #expect(throws: ConfigurationError.reservedNodeID(0)) { try NodeConfiguration(id: 1, members: [1, 0, 2]) }
    #expect(throws: ConfigurationError.reservedNodeID(0)) { try NodeConfiguration(id: 0, members: [1, 2]) }
    #expect(ConfigurationError.reservedNodeID(0).description == "node id 0 is reserved; use ids from 1")
  }

  @Test("A member listed twice is refused")
  func duplicateMember() {
    #expect(throws: ConfigurationError.duplicateMember(2)) { try NodeConfiguration(id: 1, members: [2, 1, 2]) }
    #expect(ConfigurationError.duplicateMember(2).description == "node 2 is listed twice among the members")
  }

  @Test("The election timeout must be above the heartbeat interval", arguments: [(5, 5), (4, 5), (1, 3)])
  func electionTimeoutNotAboveHeartbeat(election: Int, heartbeat: Int) {
    let expected = ConfigurationError.electionTimeoutNotAboveHeartbeat(
      electionTimeoutTicks: election, heartbeatIntervalTicks: heartbeat)
    #expect(throws: expected) {
      try NodeConfiguration(
        id: 1, members: [1, 2, 3], electionTimeoutTicks: election, heartbeatIntervalTicks: heartbeat)
    }
    #expect(
      expected.description
        == "election timeout (\(election) ticks) must be above the heartbeat interval (\(heartbeat) ticks)")
  }

  @Test("The heartbeat interval must be positive", arguments: [0, -1])
  func heartbeatNotPositive(heartbeat: Int) {
    #expect(throws: ConfigurationError.notPositive(option: "heartbeatIntervalTicks", value: heartbeat)) {
      try NodeConfiguration(id: 1, members: [1], heartbeatIntervalTicks: heartbeat)
    }
  }

  /// A zero window would stall replication for good; a zero batch could never send an entry.
  @Test(
    "Every window and batch limit must be positive",
    arguments: [
      "maxEntriesPerAppend", "maxBytesPerAppend", "maxInflightAppends", "maxInflightBytes", "maxUncommittedBytes",
    ], [0, -3])
  func limitNotPositive(option: String, value: Int) {
    #expect(throws: ConfigurationError.notPositive(option: option, value: value)) {
      try NodeConfiguration(
        id: 1, members: [1, 2, 3],
        maxEntriesPerAppend: option == "maxEntriesPerAppend" ? value : 8,
        maxBytesPerAppend: option == "maxBytesPerAppend" ? value : 8,
        maxInflightAppends: option == "maxInflightAppends" ? value : 8,
        maxInflightBytes: option == "maxInflightBytes" ? value : 8,
        maxUncommittedBytes: option == "maxUncommittedBytes" ? value : 8)
    }
    #expect(
      ConfigurationError.notPositive(option: option, value: value).description
        == "\(option) must be positive, got \(value)")
  }

  @Test("A valid configuration sorts its members and derives peers and quorum")
  func validConfiguration() throws {
    let configuration = try NodeConfiguration(
      id: 3, members: [5, 3, 1, 4, 2], electionTimeoutTicks: 2, heartbeatIntervalTicks: 1, maxInflightAppends: 1)
    #expect(configuration.members == [1, 2, 3, 4, 5])
    #expect(configuration.peers == [1, 2, 4, 5])
    #expect(configuration.quorum == 3)
    #expect(try NodeConfiguration(id: 1, members: [1, 2, 3, 4]).quorum == 3)
    #expect(try NodeConfiguration(id: 1, members: [1]).quorum == 1)
  }
}
