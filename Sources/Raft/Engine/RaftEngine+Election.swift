extension RaftEngine {
  mutating func resetElectionTimer() {
    electionElapsed = 0
    let base = configuration.electionTimeoutTicks
    randomizedElectionTimeout = base + Int.random(in: 0..<base, using: &random)
  }

  /// Handles the term of an incoming message (Figure 2, "Rules for all servers").
  /// - Returns: whether the message should be processed further.
  mutating func admitTerm(of message: Message) -> Bool {
    if message.term > term {
      switch message.body {
      case .voteRequest(let request):
        // A follower that heard from its leader within an election timeout ignores vote
        // requests: a node returning from a partition must not disrupt a healthy leader.
        if configuration.checkQuorum, leader != nil, electionElapsed < configuration.electionTimeoutTicks,
          !request.isLeadershipTransfer
        {
          return false
        }
        if request.isPreVote { return true }
        becomeFollower(term: message.term, leader: nil)
      case .voteResponse(let response) where response.isPreVote && response.granted:
        // A granted pre-vote carries the term the pre-candidate would campaign in.
        return true
      case .appendEntries, .heartbeat, .installSnapshot:
        becomeFollower(term: message.term, leader: message.from)
      default:
        becomeFollower(term: message.term, leader: nil)
      }
      return true
    }
    if message.term < term {
      switch message.body {
      case .appendEntries, .heartbeat, .installSnapshot:
        // A stale leader (its partition healed) learns the new term from our answer and steps
        // down; with pre-vote it could otherwise keep its followers' terms from ever moving on.
        if configuration.checkQuorum || configuration.preVote {
          send(.heartbeatResponse(HeartbeatResponse()), to: message.from)
        }
      case .voteRequest(let request) where request.isPreVote:
        send(.voteResponse(VoteResponse(isPreVote: true, granted: false)), to: message.from)
      default:
        break
      }
      return false
    }
    return true
  }

  mutating func handleVoteRequest(_ request: VoteRequest, from candidate: NodeID, term requestTerm: Term) {
    let canVote =
      votedFor == candidate
      || (votedFor == nil && leader == nil)
      || (request.isPreVote && requestTerm > term)
    let granted = canVote && log.isUpToDate(lastIndex: request.lastLogIndex, lastTerm: request.lastLogTerm)
    if granted && !request.isPreVote {
      votedFor = candidate
      electionElapsed = 0
    }
    // A granted pre-vote answers in the term asked about; everything else in our own.
    let responseTerm = granted && request.isPreVote ? requestTerm : term
    send(.voteResponse(VoteResponse(isPreVote: request.isPreVote, granted: granted)), to: candidate, term: responseTerm)
  }

  mutating func handleVoteResponse(_ response: VoteResponse, from voter: NodeID) {
    // A late answer to an earlier campaign (another term or phase) is dropped here.
    switch (role, response.isPreVote) {
    case (.preCandidate, true), (.candidate, false): break
    default: return
    }
    votes[voter] = response.granted
    let granted = votes.values.count(where: { $0 })
    let rejected = votes.count - granted
    if granted >= configuration.quorum {
      if role == .preCandidate { becomeCandidate() } else { becomeLeader() }
    } else if rejected >= configuration.quorum {
      becomeFollower(term: term, leader: nil)
    }
  }

  mutating func startElection() {
    guard configuration.members.contains(id) else { return }
    if configuration.preVote { becomePreCandidate() } else { becomeCandidate() }
  }

  mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID?) {
    if newTerm > term {
      term = newTerm
      votedFor = nil
    }
    role = .follower
    leader = newLeader
    leaveLeadership()
    resetElectionTimer()
  }

  /// Records the sender of an AppendEntries or heartbeat of the current term as the leader.
  mutating func followLeader(_ sender: NodeID) {
    if role != .follower {
      becomeFollower(term: term, leader: sender)
    } else {
      leader = sender
      electionElapsed = 0
    }
  }

  private mutating func becomePreCandidate() {
    role = .preCandidate
    leader = nil
    leaveLeadership()
    resetElectionTimer()
    votes = [id: true]
    let request = VoteRequest(isPreVote: true, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm)
    for peer in configuration.peers {
      send(.voteRequest(request), to: peer, term: term.next)
    }
    if configuration.quorum == 1 { becomeCandidate() }
  }

  mutating func becomeCandidate(isLeadershipTransfer: Bool = false) {
    term = term.next
    votedFor = id
    role = .candidate
    leader = nil
    leaveLeadership()
    resetElectionTimer()
    votes = [id: true]
    statistics.electionsStarted += 1
    let request = VoteRequest(
      isPreVote: false, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm,
      isLeadershipTransfer: isLeadershipTransfer)
    for peer in configuration.peers {
      send(.voteRequest(request), to: peer)
    }
    if configuration.quorum == 1 { becomeLeader() }
  }

  private mutating func becomeLeader() {
    role = .leader
    leader = id
    votes = [:]
    heartbeatElapsed = 0
    electionElapsed = 0
    progress = [:]
    for peer in configuration.peers {
      var peerProgress = Progress(nextIndex: log.lastIndex + 1)
      peerProgress.recentlyActive = true
      progress[peer] = peerProgress
    }
    uncommittedBytes = 0
    // The no-op lets this leader commit entries of earlier terms, which it may not count
    // replicas of directly (Figure 8); sending it at once also announces the new leader.
    log.append(LogEntry(index: log.lastIndex + 1, term: term, kind: .noop))
    broadcastAppend(sendIfEmpty: true)
  }

  private mutating func leaveLeadership() {
    progress = [:]
    uncommittedBytes = 0
    needsBroadcast = false
    transfer = nil
    abandonUnconfirmedReads()
    if !forwarding.awaiting.isEmpty { abandonForwardedProposals() }
  }

  mutating func tickLeader() {
    electionElapsed += 1
    if electionElapsed >= configuration.electionTimeoutTicks {
      electionElapsed = 0
      if configuration.checkQuorum {
        let active = 1 + progress.values.count(where: \.recentlyActive)
        if active < configuration.quorum {
          becomeFollower(term: term, leader: nil)
          return
        }
      }
      for peer in configuration.peers {
        // A follower silent for a whole election timeout: stop streaming into the void.
        if !progress[peer]!.recentlyActive, progress[peer]!.state == .replicate {
          progress[peer]!.becomeProbe()
        }
        progress[peer]!.recentlyActive = false
      }
    }
    heartbeatElapsed += 1
    if heartbeatElapsed >= configuration.heartbeatIntervalTicks {
      heartbeatElapsed = 0
      broadcastHeartbeat()
    }
  }
}
