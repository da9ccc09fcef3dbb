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
