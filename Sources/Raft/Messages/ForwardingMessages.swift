/// A follower's batch of read requests for the leader to confirm (ReadIndex).
public struct ReadIndexRequest: Hashable, Sendable {
  /// The follower's reads, all confirmed by one leader round.
  public var reads: [ReadRequestID]

  public init(reads: [ReadRequestID]) { self.reads = reads }
}

/// The leader's answer to a ``ReadIndexRequest``.
public struct ReadIndexResponse: Hashable, Sendable {
  public enum Result: Hashable, Sendable, CustomStringConvertible {
    /// A quorum confirmed the leadership after the request arrived; the reads may be served
    /// once the follower applied through `readIndex`.
    case confirmed(readIndex: LogIndex)
    /// The leader could not confirm them.
    case refused(ReadError)

    public var description: String {
      switch self {
      case .confirmed(let index): "index=\(index)"
      case .refused(let error): "refused(\(error))"
      }
    }
  }

  /// The reads answered: those of the ``ReadIndexRequest``.
  public var reads: [ReadRequestID]
  /// The read index they may be served at, or why not.
  public var result: Result

  public init(reads: [ReadRequestID], result: Result) {
    self.reads = reads
    self.result = result
  }
}

/// One client command a follower forwards.
public struct ForwardedProposal: Hashable, Sendable {
  /// The proposer's name for it, echoed in the leader's ``ProposalOutcome``.
  public var id: ProposalID
  /// The command, as proposed.
  public var command: [UInt8]

  public init(id: ProposalID, command: [UInt8]) {
    self.id = id
    self.command = command
  }
}

/// A follower's batch of forwarded proposals.
public struct ForwardedProposals: Hashable, Sendable {
  /// The proposals, in the order the leader appends them.
  public var proposals: [ForwardedProposal]

  public init(proposals: [ForwardedProposal]) { self.proposals = proposals }
}

/// The leader's answer to ``ForwardedProposals``: one outcome per proposal, in order.
public struct ForwardedProposalsResponse: Hashable, Sendable {
  /// What became of each proposal.
  public var outcomes: [ProposalOutcome]

  public init(outcomes: [ProposalOutcome]) { self.outcomes = outcomes }
}
