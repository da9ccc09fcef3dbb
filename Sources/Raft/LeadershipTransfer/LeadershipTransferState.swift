/// A leader's transfer of its leadership to `target`, under way.
struct LeadershipTransferState: Sendable {
  var target: NodeID
  /// Ticks since the transfer began; it is abandoned after an election timeout.
  var elapsed = 0
  /// TimeoutNow went out; the leader waits for the target's election to depose it.
  var timeoutNowSent = false
}
