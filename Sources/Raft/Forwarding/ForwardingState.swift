/// A follower's proposals on their way to the leader. Volatile, like the proposals themselves.
struct ForwardingState: Sendable {
  /// Proposals to send with the next ``RaftEngine/ready()``, in order.
  var outgoing: [ForwardedProposal] = []
  /// Proposals sent and not answered, with the ticks since they were sent.
  var awaiting: [(id: ProposalID, age: Int)] = []
  /// Outcomes for the next ``Ready``.
  var outcomes: [ProposalOutcome] = []

  var isIdle: Bool { outgoing.isEmpty && awaiting.isEmpty && outcomes.isEmpty }
}
