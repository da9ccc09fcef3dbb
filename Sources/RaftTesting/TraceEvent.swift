import Raft

/// One thing that happened in a simulation, kept cheaply as values and rendered into a readable
/// line only when someone reads the trace.
struct TraceEvent {
  enum Kind {
    case roleChanged(Role, term: Term, leader: NodeID?)
    case sent(Message, fate: MessageFate)
    case received(Message, sentAt: VirtualTime)
    case lost(Message, reason: String)
    case persisted(PersistenceRequest)
    case synced(through: PersistenceID)
    case committed(LogIndex)
    case applied(LogEntry)
    case proposed([UInt8], outcome: String)
    case crashed(lostWrites: Int)
    case restarted(PersistentState)
    case snapshotTaken(SnapshotMetadata)
    case snapshotRestored(SnapshotMetadata)
    case note(String)
  }

  var time: VirtualTime
  /// The node it happened on; nil for the network, the client harness and the test.
  var node: NodeID?
  var kind: Kind

  /// A line like `t=1234 n2 becomes leader term=3`.
  var line: String {
    let subject = node.map { "n\($0) " } ?? ""
    return "t=\(time) \(subject)\(kind.text)"
  }
}

/// What the network did with a message when it was sent.
enum MessageFate {
  case delivered(at: VirtualTime)
  case duplicated(at: VirtualTime, copyAt: VirtualTime)
  case dropped
  case blocked
}

extension TraceEvent.Kind {
  fileprivate var text: String {
    switch self {
    case .roleChanged(let role, let term, let leader):
      "becomes \(role) term=\(term)" + (role == .follower ? " leader=\(leader.map { "n\($0)" } ?? "none")" : "")
    case .sent(let message, let fate):
      "sends \(render(message)), \(render(fate))"
    case .received(let message, let sentAt):
      "receives \(render(message)) (sent t=\(sentAt))"
    case .lost(let message, let reason):
      "misses \(render(message)): \(reason)"
    case .persisted(let request):
      "writes \(request.id)" + (request.hardState.map { " hardState(\($0))" } ?? "")
        + (request.entries.isEmpty ? "" : " entries \(request.entries.first!.index)...\(request.entries.last!.index)")
    case .synced(let id):
      "fsync done through \(id)"
    case .committed(let index):
      "commits through \(index)"
    case .applied(let entry):
      "applies \(entry)"
    case .proposed(let command, let outcome):
      "client proposes \(printable(command)): \(outcome)"
    case .crashed(let lostWrites):
      "crashes, losing \(lostWrites) unsynced write\(lostWrites == 1 ? "" : "s")"
    case .restarted(let state):
      "restarts from \(state.hardState) log=\(state.entries.count) entries"
        + (state.snapshot.map { " \($0)" } ?? "")
    case .snapshotTaken(let metadata):
      "takes \(metadata)"
    case .snapshotRestored(let metadata):
      "restores the state machine from \(metadata)"
    case .note(let text):
      text
    }
  }
}

private func render(_ message: Message) -> String {
  // Message.description reads "1->3 App term=2 ..."; name the nodes as the rest of the trace does.
  let body = message.description.drop { $0 != " " }
  let line = "n\(message.from)->n\(message.to)\(body)"
  return line.count > 240 ? line.prefix(240) + "…]" : line
}

private func render(_ fate: MessageFate) -> String {
  switch fate {
  case .delivered(let time): "arrives t=\(time)"
  case .duplicated(let time, let copy): "duplicated, arrives t=\(time) and t=\(copy)"
  case .dropped: "dropped"
  case .blocked: "blocked by partition"
  }
}

/// A command as text when it is printable, else its bytes.
func printable(_ bytes: [UInt8]) -> String {
  if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) {
    return "'\(text)'"
  }
  return "\(bytes)"
}
