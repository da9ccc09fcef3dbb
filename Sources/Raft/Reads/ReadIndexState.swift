/// One read on its way through ReadIndex.
struct PendingRead: Sendable {
  enum Origin: Sendable {
    /// Requested on this node with ``RaftEngine/requestRead(_:)``.
    case local(ReadRequestID)
    /// Forwarded by a follower, which serves the reads itself once told the read index.
    case remote(from: NodeID, reads: [ReadRequestID])
  }

  enum Stage: Sendable, Equatable {
    /// Leader: no entry of its term is committed yet, so its commit index may lag behind entries
    /// earlier leaders committed; the read waits for the no-op.
    case awaitingOwnTermCommit
    /// Leader: joins the next heartbeat round (every read waiting here shares one round).
    case awaitingRound
    /// Leader: the round `context` recorded `index`; it waits for a quorum to echo the round.
    case awaitingQuorum(context: UInt64, index: LogIndex)
    /// Follower: goes to the leader with the next ``RaftEngine/ready()``.
    case awaitingForward
    /// Follower: asked `leader`, waiting for the read index.
    case forwarded(to: NodeID)
    /// Confirmed at `index`; served once this node applied through it.
    case awaitingApply(index: LogIndex)
  }

  var origin: Origin
  var stage: Stage
  /// Ticks since the read was requested; it fails after an election timeout.
  var age = 0
}

/// The engine's ReadIndex bookkeeping. Everything here is volatile: a restarted node has no
/// reads in flight.
struct ReadIndexState: Sendable {
  var pending: [PendingRead] = []
  /// The leader's latest heartbeat round; heartbeats carry it and followers echo it.
  var latestContext: UInt64 = 0
  /// The latest round each follower echoed in this leadership.
  var acknowledgedContext: [NodeID: UInt64] = [:]
  /// Failed reads for the next ``Ready``.
  var failed: [FailedRead] = []

  var isIdle: Bool { pending.isEmpty && failed.isEmpty }
}
