/// Why a ``NodeConfiguration`` could not be built.
public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
  case emptyCluster
  case reservedNodeID(NodeID)
  case duplicateMember(NodeID)
  case notAMember(id: NodeID, members: [NodeID])
  case electionTimeoutNotAboveHeartbeat(electionTimeoutTicks: Int, heartbeatIntervalTicks: Int)
  case notPositive(option: String, value: Int)
  /// An option that may be 0 but not below.
  case negative(option: String, value: Int)

  public var description: String {
    switch self {
    case .emptyCluster:
      "the cluster has no members"
    case .reservedNodeID(let id):
      "node id \(id) is reserved; use ids from 1"
    case .duplicateMember(let id):
      "node \(id) is listed twice among the members"
    case .notAMember(let id, let members):
      "node \(id) is not among the members \(members.map(\.description).joined(separator: ","))"
    case .electionTimeoutNotAboveHeartbeat(let election, let heartbeat):
      "election timeout (\(election) ticks) must be above the heartbeat interval (\(heartbeat) ticks)"
    case .notPositive(let option, let value):
      "\(option) must be positive, got \(value)"
    case .negative(let option, let value):
      "\(option) must not be negative, got \(value)"
    }
  }
}
