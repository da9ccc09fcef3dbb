import Raft

// Proposals for callers that live on event loops or plain threads: no Swift task, and no
// continuation, per proposal.
extension RaftNode {
  /// Proposes `command` and calls `completion` with the state machine's response once the
  /// command is committed and applied on this node, or with the error.
  ///
  /// The same contract as ``propose(_:)`` (forwarding from a follower, batching with other
  /// proposals, the retryable errors), without an `async` call: for callers on event loops or
  /// threads, and for pipelines that keep many proposals in flight.
  ///
  /// `completion` runs once, on the loop thread, so keep it short and never block in it;
  /// proposing again from it is fine (the new proposal starts on a later turn). Only if the
  /// loop is already shut down does it run at once on the calling thread, with
  /// ``RaftNodeError/stopping``.
  public func propose(
    _ command: [UInt8], completion: @escaping @Sendable (Result<[UInt8], RaftNodeError>) -> Void
  ) {
    let accepted = eventLoop.execute { self.submitProposal(command, completion: completion) }
    if !accepted { completion(.failure(.stopping)) }
  }

  /// Proposes every command of `commands`, in order, with one hop to the loop thread, and
  /// calls `completion` once per command with its position in `commands` and its outcome.
  ///
  /// Each command is proposed as by ``propose(_:completion:)`` and settles on its own (the
  /// outcomes may come in any order and differ: a leadership change can fail some and not
  /// others). Commands proposed together are appended, replicated and written together, so a
  /// client that reads many requests at once (from a pipe or a socket) pays one wake-up of the
  /// loop for all of them.
  ///
  /// `completion` runs on the loop thread (keep it short); only if the loop is already shut
  /// down does it run at once on the calling thread, with ``RaftNodeError/stopping`` for each.
  public func propose(
    _ commands: [[UInt8]],
    completion: @escaping @Sendable (_ position: Int, _ result: Result<[UInt8], RaftNodeError>) -> Void
  ) {
    guard !commands.isEmpty else { return }
    let accepted = eventLoop.execute {
      for (position, command) in commands.enumerated() {
        self.submitProposal(command) { completion(position, $0) }
      }
    }
    if !accepted {
      for position in commands.indices { completion(position, .failure(.stopping)) }
    }
  }
}
