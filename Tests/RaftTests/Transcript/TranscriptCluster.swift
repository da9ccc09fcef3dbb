import Raft

/// A tiny deterministic network of engines for transcripts: nothing happens unless a command
/// says so, and every output is listed in node-id order (never in dictionary order).
struct TranscriptCluster {
  private(set) var ids: [NodeID] = []
  private var nodes: [NodeID: TranscriptNode] = [:]
  /// Messages sent and not yet delivered or dropped, in the order they were sent.
  private(set) var inFlight: [Message] = []
  /// The side of the partition each node is on; nodes on different sides cannot talk.
  private var side: [NodeID: Int] = [:]

  subscript(id: NodeID) -> TranscriptNode {
    get { nodes[id]! }
    set { nodes[id] = newValue }
  }

  func contains(_ id: NodeID) -> Bool { nodes[id] != nil }

  var liveIDs: [NodeID] { ids.filter { nodes[$0]!.engine != nil } }

  mutating func add(_ node: TranscriptNode) {
    ids.append(node.id)
    ids.sort()
    nodes[node.id] = node
  }

  // MARK: Running engines

  /// Runs `change` on the engine of `id` and describes any change of role or term it caused.
  mutating func withEngine(_ id: NodeID, _ change: (inout RaftEngine) -> Void) -> [String] {
    var engine = nodes[id]!.engine!
    let before = (engine.role, engine.term)
    change(&engine)
    nodes[id]!.engine = engine
    guard before != (engine.role, engine.term) else { return [] }
    return ["\(id) became \(engine.role) at term \(engine.term)"]
  }

  /// Handles the Ready of node `id`, queueing its messages.
  /// - Returns: the lines describing it, empty if there was nothing to do.
  mutating func processReady(_ id: NodeID) -> [String] {
    let (lines, messages) = nodes[id]!.handleReady()
    inFlight += messages
    guard !lines.isEmpty else { return [] }
    return ["> \(id) handling Ready"] + lines.map { "  " + $0 }
  }

  // MARK: Network

  func canReach(_ from: NodeID, _ to: NodeID) -> Bool { side[from, default: 0] == side[to, default: 0] }

  /// Delivers (or, with `drop`, discards) the in-flight messages that match, grouped by
  /// recipient in id order and in sending order for each recipient. A message to a node that is
  /// down or on the other side of a partition is dropped.
  mutating func deliver(where matches: (Message) -> Bool, drop: Bool) -> [String] {
    let selected = inFlight.filter(matches)
    inFlight.removeAll(where: matches)
    var lines: [String] = []
    for recipient in ids {
      let messages = selected.filter { $0.to == recipient }
      guard !messages.isEmpty else { continue }
      lines.append(drop ? "> dropping messages to \(recipient)" : "> \(recipient) receiving messages")
      for message in messages {
        let text = TranscriptFormat.message(message)
        if drop {
          lines.append("  \(text)")
        } else if nodes[recipient]!.engine == nil {
          lines.append("  \(text) (dropped: \(recipient) is down)")
        } else if !canReach(message.from, recipient) {
          lines.append("  \(text) (dropped: partition)")
        } else {
          lines.append("  \(text)")
          lines += withEngine(recipient) { $0.step(message) }.map { "  " + $0 }
        }
      }
    }
    return lines
  }

  /// Puts each group of nodes on its own side; nodes in no group share one more side.
  mutating func partition(_ groups: [[NodeID]]) {
    side = [:]
    for (number, group) in groups.enumerated() {
      for id in group { side[id] = number + 1 }
    }
  }

  mutating func heal() { side = [:] }

  /// The partition as text, or nil if there is none.
  var partitionDescription: String? {
    guard !side.isEmpty else { return nil }
    var groups: [Int: [NodeID]] = [:]
    for id in ids { groups[side[id, default: 0], default: []].append(id) }
    return groups.keys.sorted().map { "(" + groups[$0]!.map(\.description).joined(separator: ",") + ")" }
      .joined(separator: " ")
  }
}
