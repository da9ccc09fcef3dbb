import Raft

/// A command a node accepted as leader: it commits at ``index`` unless ``term`` ends first.
public struct Proposal: Hashable, Sendable, CustomStringConvertible {
  /// The leader that accepted it.
  public var node: NodeID
  public var index: LogIndex
  public var term: Term

  public init(node: NodeID, index: LogIndex, term: Term) {
    self.node = node
    self.index = index
    self.term = term
  }

  public var description: String { "\(index)@\(term) on n\(node)" }
}

/// Why the simulated cluster did not take a proposal. Every case is worth retrying later.
public enum ProposalRejection: Error, Hashable, Sendable, CustomStringConvertible {
  /// The node's engine refused it (not the leader, or too much uncommitted).
  case refused(ProposalError)
  /// The node is crashed.
  case crashed(NodeID)
  /// The node is paused.
  case paused(NodeID)
  /// No connected, running node believes it leads.
  case noLeader

  public var description: String {
    switch self {
    case .refused(let error): "\(error)"
    case .crashed(let node): "n\(node) is crashed"
    case .paused(let node): "n\(node) is paused"
    case .noLeader: "no leader"
    }
  }
}

/// A command a node applied, with what its state machine answered.
public struct AppliedCommand: Hashable, Sendable, CustomStringConvertible {
  public var index: LogIndex
  public var term: Term
  public var command: [UInt8]
  /// The state machine's response.
  public var result: [UInt8]

  public init(index: LogIndex, term: Term, command: [UInt8], result: [UInt8]) {
    self.index = index
    self.term = term
    self.command = command
    self.result = result
  }

  public var description: String { "\(index)@\(term) \(printable(command)) -> \(printable(result))" }
}
