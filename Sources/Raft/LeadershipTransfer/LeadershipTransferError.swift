/// Why ``RaftEngine/transferLeadership(to:)`` refused to start a transfer.
public enum LeadershipTransferError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Only the leader can hand over leadership; `leaderHint` names the leader this node knows of.
  case notLeader(leaderHint: NodeID?)
  /// The target is not another voting member of the cluster.
  case notAPeer(NodeID)
  /// A transfer to another target is under way; it ends within an election timeout.
  case transferInProgress(to: NodeID)

  public var description: String {
    switch self {
    case .notLeader(let leader?): "not the leader; the leader is node \(leader)"
    case .notLeader(nil): "not the leader and no leader is known"
    case .notAPeer(let node): "node \(node) is not another member of the cluster"
    case .transferInProgress(let target): "a leadership transfer to node \(target) is under way"
    }
  }
}
