import Raft

/// A linearizable read a simulated client started (``Simulation/startRead(of:on:)``).
public struct ClientRead: Hashable, Sendable, CustomStringConvertible {
  /// The read's id on its node's engine.
  public var id: ReadRequestID
  /// The node the client asked.
  public var node: NodeID
  /// The register read.
  public var key: String

  public var description: String { "\(id) of '\(key)' on n\(node)" }
}

/// Where a client read stands.
public enum ClientReadStatus: Hashable, Sendable, CustomStringConvertible {
  /// Not answered yet.
  case pending
  /// Served at virtual time `time` from a state applied through at least `readIndex`; `value`
  /// is nil if the register was never written.
  case served(RegisterValue?, readIndex: LogIndex, at: VirtualTime)
  /// Not served; a client would retry.
  case failed(ReadRejection)

  public var description: String {
    switch self {
    case .pending: "pending"
    case .served(let value, let index, let time):
      "served \(value.map(\.description) ?? "nothing") index=\(index) t=\(time)"
    case .failed(let rejection): "failed: \(rejection)"
    }
  }
}

/// Why a client read was not served. Every case is worth retrying.
public enum ReadRejection: Error, Hashable, Sendable, CustomStringConvertible {
  /// The node's engine refused or gave up (no leader, leadership lost, timed out).
  case refused(ReadError)
  /// The node crashed before it answered, or was down.
  case crashed(NodeID)
  /// The node is paused.
  case paused(NodeID)

  public var description: String {
    switch self {
    case .refused(let error): "\(error)"
    case .crashed(let node): "n\(node) is crashed"
    case .paused(let node): "n\(node) is paused"
    }
  }
}

/// Where ``Simulation/propose(_:via:)`` put a command.
public enum ClientProposal: Hashable, Sendable, CustomStringConvertible {
  /// The node leads and appended it.
  case appended(Proposal)
  /// The node forwarded it to its leader; see ``Simulation/forwardedProposalStatus(_:)``.
  case forwarded(ProposalID, to: NodeID)

  public var description: String {
    switch self {
    case .appended(let proposal): "appended \(proposal)"
    case .forwarded(let id, let leader): "\(id) forwarded to n\(leader)"
    }
  }
}

/// What became of a forwarded proposal.
public enum ForwardedProposalStatus: Hashable, Sendable, CustomStringConvertible {
  /// The leader has not answered yet.
  case pending
  /// The leader appended it; it commits at the proposal's index unless its term ends first.
  case appended(Proposal)
  /// It was not appended, or its fate is unknown (see ``Raft/ProposalError``).
  case failed(ProposalRejection)

  public var description: String {
    switch self {
    case .pending: "pending"
    case .appended(let proposal): "appended \(proposal)"
    case .failed(let rejection): "failed: \(rejection)"
    }
  }
}

/// The simulation's books on client requests beyond plain proposals.
struct ClientRequests {
  struct Read {
    var node: NodeID
    var key: String
    var startedAt: VirtualTime
    var status: ClientReadStatus = .pending
  }

  struct Forwarded {
    var node: NodeID
    var command: [UInt8]
    var status: ForwardedProposalStatus = .pending
  }

  var nextReadID: UInt64 = 1
  var reads: [ReadRequestID: Read] = [:]
  var nextProposalID: UInt64 = 1
  var forwarded: [ProposalID: Forwarded] = [:]
  var linearizability = LinearizabilityChecker()
  var readsServed = 0
  var readsFailed = 0
  var transfersStarted = 0
}
