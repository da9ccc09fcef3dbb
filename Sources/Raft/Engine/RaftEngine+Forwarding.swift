extension RaftEngine {
  // MARK: Proposal forwarding

  /// Proposes a command on any node: the leader appends it, a follower forwards it to the
  /// leader it knows of (if ``NodeConfiguration/forwardProposals`` is on). Proposals made
  /// together travel together: a follower sends all it received since the last ``ready()`` in
  /// one message.
  ///
  /// A forwarded proposal's fate arrives in a later ``Ready/proposalOutcomes``: the index and
  /// term the leader appended it at, or a ``ProposalError``. If the leader does not answer within
  /// an election timeout, or this node's term or role changes first, the outcome is
  /// ``ProposalError/forwardedOutcomeUnknown``.
  ///
  /// - Parameter id: the caller's name for the proposal, handed back with its outcome.
  /// - Returns: where the command went.
  /// - Throws: ``ProposalError``: ``ProposalError/noLeader`` if no leader is known,
  ///   ``ProposalError/notLeader(leaderHint:)`` if forwarding is off, and the leader's own
  ///   refusals (see ``propose(_:)``). Every case is retryable.
  public mutating func propose(_ command: [UInt8], id: ProposalID) throws(ProposalError) -> ProposalPlacement {
    if role == .leader {
      let index = try propose(command)
      return .appended(index: index, term: term)
    }
    guard role == .follower, let leader else { throw .noLeader }
    guard configuration.forwardProposals else { throw .notLeader(leaderHint: leader) }
    forwarding.outgoing.append(ForwardedProposal(id: id, command: command))
    return .forwarded(to: leader)
  }

  /// Sends the proposals forwarded since the last ``ready()`` to the leader, in one message.
  mutating func sendForwardedProposals() {
    guard !forwarding.outgoing.isEmpty else { return }
    guard role == .follower, let leader else {
      for proposal in forwarding.outgoing {
        forwarding.outcomes.append(ProposalOutcome(id: proposal.id, result: .failed(.noLeader)))
      }
      forwarding.outgoing.removeAll()
      return
    }
    for proposal in forwarding.outgoing { forwarding.awaiting.append((proposal.id, 0)) }
    send(.forwardedProposals(ForwardedProposals(proposals: forwarding.outgoing)), to: leader)
    forwarding.outgoing.removeAll()
  }

  mutating func handleForwardedProposals(_ forwarded: ForwardedProposals, from peer: NodeID) {
    var outcomes: [ProposalOutcome] = []
    outcomes.reserveCapacity(forwarded.proposals.count)
    for proposal in forwarded.proposals {
      let result: ProposalOutcome.Result
      if role == .leader {
        do {
          let index = try propose(proposal.command)
          result = .appended(index: index, term: term)
        } catch {
          result = .failed(error)
        }
      } else {
        result = .failed(.notLeader(leaderHint: leader))
      }
      outcomes.append(ProposalOutcome(id: proposal.id, result: result))
    }
    send(.forwardedProposalsResponse(ForwardedProposalsResponse(outcomes: outcomes)), to: peer)
  }

  mutating func handleForwardedProposalsResponse(_ response: ForwardedProposalsResponse) {
    for outcome in response.outcomes {
      // A duplicate answer, or one for a proposal already given up on, is dropped.
      guard let slot = forwarding.awaiting.firstIndex(where: { $0.id == outcome.id }) else { continue }
      forwarding.awaiting.remove(at: slot)
      forwarding.outcomes.append(outcome)
    }
  }

  /// Ages the forwarded proposals; the leader had an election timeout to answer.
  mutating func tickForwarding() {
    let limit = configuration.electionTimeoutTicks
    for slot in forwarding.awaiting.indices { forwarding.awaiting[slot].age += 1 }
    forwarding.awaiting.removeAll { awaiting in
      guard awaiting.age >= limit else { return false }
      forwarding.outcomes.append(ProposalOutcome(id: awaiting.id, result: .failed(.forwardedOutcomeUnknown)))
      return true
    }
  }

  /// The term or role changed: an answer from the leader the proposals went to would now be
  /// dropped as stale, so their outcome is unknown.
  mutating func abandonForwardedProposals() {
    for awaiting in forwarding.awaiting {
      forwarding.outcomes.append(ProposalOutcome(id: awaiting.id, result: .failed(.forwardedOutcomeUnknown)))
    }
    forwarding.awaiting.removeAll()
  }

  mutating func takeProposalOutcomes() -> [ProposalOutcome] {
    // Handed over whole: emptying a list whose buffer the Ready shares would copy it.
    var outcomes: [ProposalOutcome] = []
    if !forwarding.outcomes.isEmpty { swap(&outcomes, &forwarding.outcomes) }
    return outcomes
  }
}
