/// The caller's name for one proposal made with ``RaftEngine/propose(_:id:)``, so that the outcome
/// of a forwarded proposal (``Ready/proposalOutcomes``) finds its way back. The caller keeps it
/// unique among its proposals in flight.
public struct ProposalID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  public static func < (lhs: ProposalID, rhs: ProposalID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { "p\(rawValue)" }
}

/// Where ``RaftEngine/propose(_:id:)`` put a command.
public enum ProposalPlacement: Hashable, Sendable, CustomStringConvertible {
  /// This node leads and appended the command at `index` in `term`; it commits there unless
  /// `term` ends first.
  case appended(index: LogIndex, term: Term)
  /// This node forwarded the command to the leader `leader`; its ``ProposalOutcome`` arrives in
  /// a later ``Ready/proposalOutcomes``.
  case forwarded(to: NodeID)

  public var description: String {
    switch self {
    case .appended(let index, let term): "appended at \(index)@\(term)"
    case .forwarded(let leader): "forwarded to \(leader)"
    }
  }
}

/// What became of a forwarded proposal.
public struct ProposalOutcome: Hashable, Sendable, CustomStringConvertible {
  public enum Result: Hashable, Sendable {
    /// The leader appended the command at `index` in `term`: it commits there unless `term`
    /// ends first (the caller learns it committed by applying that entry).
    case appended(index: LogIndex, term: Term)
    /// The command was not appended, or its fate is unknown (see each ``ProposalError``).
    case failed(ProposalError)
  }

  /// The proposal, as named by its proposer.
  public var id: ProposalID
  /// Where it went, or why not.
  public var result: Result

  public init(id: ProposalID, result: Result) {
    self.id = id
    self.result = result
  }

  public var description: String {
    switch result {
    case .appended(let index, let term): "\(id) appended at \(index)@\(term)"
    case .failed(let error): "\(id) failed: \(error)"
    }
  }
}
