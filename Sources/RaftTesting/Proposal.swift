import Raft

/// A command a node accepted as leader: it commits at ``index`` unless ``term`` ends first.
public struct Proposal: Hashable, Sendable, CustomStringConvertible {
  /// The leader that accepted it.
  public var node: NodeID
  /// The index the command commits at, if it commits.
  public var index: LogIndex
  /// The term the leader accepted it in.
  public var term: Term

  /// A proposal accepted by `node` at `index` in `term`.
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
  /// The log index it was applied at.
  public var index: LogIndex
  /// The term of its log entry.
  public var term: Term
  /// The command, as proposed.
  public var command: [UInt8]
  /// The state machine's response.
  public var result: [UInt8]

  /// A command applied at `index`, with its state machine's `result`.
  public init(index: LogIndex, term: Term, command: [UInt8], result: [UInt8]) {
    self.index = index
    self.term = term
    self.command = command
    self.result = result
  }

  public var description: String { "\(index)@\(term) \(printable(command)) -> \(printable(result))" }
}
