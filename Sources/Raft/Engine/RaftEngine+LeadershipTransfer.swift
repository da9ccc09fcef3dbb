extension RaftEngine {
  // MARK: Leadership transfer (Raft thesis 3.10)

  /// The member this leader is handing its leadership to, while a transfer is under way.
  public var leadershipTransferTarget: NodeID? { transfer?.target }

  /// Hands leadership to `target`: this leader stops taking proposals
  /// (``ProposalError/leadershipTransferInProgress(to:)``), brings `target`'s log up to date,
  /// then sends it TimeoutNow, on which `target` campaigns at once (skipping pre-vote, and with
  /// a vote request that voters do not ignore for having heard from this leader recently).
  ///
  /// The transfer ends when this node stops leading (normally: `target` won), or is abandoned
  /// after an election timeout, after which this leader takes proposals again. Calling again
  /// with the same target while it is under way changes nothing.
  /// - Throws: ``LeadershipTransferError`` if this node does not lead, `target` is not another
  ///   member, or a transfer to another member is under way.
  public mutating func transferLeadership(to target: NodeID) throws(LeadershipTransferError) {
    guard role == .leader else { throw .notLeader(leaderHint: leader) }
    guard target != id, configuration.peers.contains(target) else { throw .notAPeer(target) }
    if let current = transfer {
      if current.target == target { return }
      throw .transferInProgress(to: current.target)
    }
    transfer = LeadershipTransferState(target: target)
    continueLeadershipTransfer(after: target)
    if transfer?.timeoutNowSent == false { sendAppend(to: target, sendIfEmpty: false) }
  }

  /// Sends TimeoutNow once `peer`, the transfer's target, holds this leader's whole log.
  mutating func continueLeadershipTransfer(after peer: NodeID) {
    guard role == .leader, let current = transfer, current.target == peer, !current.timeoutNowSent,
      progress[peer]?.matchIndex == log.lastIndex
    else { return }
    transfer?.timeoutNowSent = true
    send(.timeoutNow, to: peer)
  }

  /// Gives up on a transfer that took an election timeout: the target is unreachable or slow.
  mutating func tickLeadershipTransfer() {
    guard transfer != nil else { return }
    transfer!.elapsed += 1
    if transfer!.elapsed >= configuration.electionTimeoutTicks { transfer = nil }
  }

  /// The leader asked this node to take over: campaign now, without pre-vote.
  mutating func handleTimeoutNow() {
    guard role != .leader, configuration.members.contains(id) else { return }
    becomeCandidate(isLeadershipTransfer: true)
  }
}
