import DequeModule

/// How a leader is replicating to one follower.
public enum ReplicationState: String, Hashable, Sendable, CustomStringConvertible {
  /// Looking for the point where the follower's log matches: one AppendEntries at a time.
  case probe
  /// The logs match through `matchIndex`: stream AppendEntries within the in-flight window.
  case replicate

  public var description: String { rawValue }
}

/// The leader's knowledge of one follower.
struct Progress: Sendable {
  var matchIndex: LogIndex = .zero
  var nextIndex: LogIndex
  var state: ReplicationState = .probe
  /// In probe state, one AppendEntries is outstanding; wait for its answer or a heartbeat reply.
  var probeSent = false
  /// Last index and byte size of each AppendEntries in flight (replicate state).
  var inflight = Deque<(lastIndex: LogIndex, bytes: Int)>()
  var inflightBytes = 0
  /// Whether the follower answered during the current check-quorum period.
  var recentlyActive = true
  /// Rejections since the follower last matched; one catch-up's probe round trips.
  var rejectionsInCatchUp = 0
  /// The follower is being sent the snapshot (its next entry was compacted away); the transfer
  /// itself lives in the engine's snapshot bookkeeping, keeping this struct small to copy.
  var isSendingSnapshot = false

  init(nextIndex: LogIndex) { self.nextIndex = nextIndex }

  func isPaused(maxInflightAppends: Int, maxInflightBytes: Int) -> Bool {
    switch state {
    case .probe: probeSent
    case .replicate: inflight.count >= maxInflightAppends || inflightBytes >= maxInflightBytes
    }
  }

  mutating func becomeProbe() {
    state = .probe
    probeSent = false
    nextIndex = max(nextIndex, matchIndex + 1)
    clearInflight()
  }

  mutating func becomeReplicate() {
    state = .replicate
    probeSent = false
    nextIndex = matchIndex + 1
    clearInflight()
  }

  /// Records that the follower holds everything through `index`.
  /// - Returns: whether that is news.
  mutating func acknowledge(through index: LogIndex) -> Bool {
    guard index > matchIndex else { return false }
    matchIndex = index
    nextIndex = max(nextIndex, index + 1)
    probeSent = false
    while let first = inflight.first, first.lastIndex <= index {
      inflightBytes -= first.bytes
      inflight.removeFirst()
    }
    return true
  }

  /// After a heartbeat reply: a probe may send again, and a full window frees its oldest slot.
  mutating func unpauseAfterHeartbeat(maxInflightAppends: Int, maxInflightBytes: Int) {
    if isSendingSnapshot { return }
    switch state {
    case .probe:
      probeSent = false
    case .replicate:
      guard isPaused(maxInflightAppends: maxInflightAppends, maxInflightBytes: maxInflightBytes),
        let first = inflight.popFirst()
      else { return }
      inflightBytes -= first.bytes
    }
  }

  mutating func recordSent(lastIndex: LogIndex, bytes: Int) {
    inflight.append((lastIndex, bytes))
    inflightBytes += bytes
    nextIndex = lastIndex + 1
  }

  private mutating func clearInflight() {
    inflight.removeAll(keepingCapacity: true)
    inflightBytes = 0
  }
}

/// A snapshot of the leader's view of one follower, for status reports.
public struct PeerProgress: Hashable, Sendable {
  public var matchIndex: LogIndex
  public var nextIndex: LogIndex
  public var state: ReplicationState
  public var inflightAppends: Int
  public var inflightBytes: Int
  public var recentlyActive: Bool
}
