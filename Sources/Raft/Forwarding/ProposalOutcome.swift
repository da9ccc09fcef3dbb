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
