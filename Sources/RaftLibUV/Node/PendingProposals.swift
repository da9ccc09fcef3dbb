import DequeModule
import Raft

/// Proposals waiting for their entry to be applied, in log order.
///
/// A proposal is identified by the index and term its entry got. When the entry at that index
/// is applied, the proposal succeeds if the terms match; if another term's entry took the
/// index, the leader that accepted it lost its leadership first.
struct PendingProposals {
  typealias Completion = (Result<[UInt8], RaftNodeError>) -> Void

  private struct Pending {
    var index: LogIndex
    var term: Term
    var completion: Completion
  }

  private var waiting = Deque<Pending>()

  var count: Int { waiting.count }

  /// Keeps log order: a forwarded proposal's index can arrive after a later one's.
  mutating func add(index: LogIndex, term: Term, completion: @escaping Completion) {
    var position = waiting.count
    while position > 0 && waiting[position - 1].index > index { position -= 1 }
    waiting.insert(Pending(index: index, term: term, completion: completion), at: position)
  }

  /// Settles every proposal at or below `entry.index` with `response` (for the entry's own
  /// proposal) or ``RaftNodeError/leadershipLost(term:)``.
  mutating func applied(_ entry: LogEntry, response: [UInt8]?) {
    while let first = waiting.first, first.index <= entry.index {
      waiting.removeFirst()
      if first.index == entry.index, first.term == entry.term, let response {
        first.completion(.success(response))
      } else {
        first.completion(.failure(.leadershipLost(term: first.term)))
      }
    }
  }

  /// Fails every proposal with `error`.
  mutating func failAll(_ error: (Term) -> RaftNodeError) {
    let all = waiting
    waiting.removeAll()
    for pending in all { pending.completion(.failure(error(pending.term))) }
  }
}
