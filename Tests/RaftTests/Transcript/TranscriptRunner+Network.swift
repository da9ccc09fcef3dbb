import Raft

// Commands that move work between engines: Ready handling, message delivery, partitions.
extension TranscriptRunner {
  mutating func processReady(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    let named = !arguments.positional.isEmpty
    var lines: [String] = []
    for id in try nodes(of: arguments) {
      guard cluster[id].engine != nil else {
        if named { throw TranscriptScriptError("node \(id) is down") }
        continue
      }
      lines += cluster.processReady(id)
    }
    return lines
  }

  mutating func deliver(_ command: TranscriptCommand, drop: Bool) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command, options: ["from", "to", "type"])
    try arguments.expectPositional(0...0, usage: "[from=ids] [to=ids] [type=kinds]")
    let senders = try arguments.nodeIDs("from")
    let recipients = try arguments.nodeIDs("to")
    let kinds = arguments.list("type")
    let lines = cluster.deliver(
      where: { message in
        (senders?.contains(message.from) ?? true) && (recipients?.contains(message.to) ?? true)
          && (kinds?.contains(message.body.kindName) ?? true)
      }, drop: drop)
    return lines.isEmpty ? ["no messages"] : lines
  }

  /// Handles Ready and delivers messages, for the given nodes or all, until nothing moves.
  mutating func stabilize(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    let ids = try nodes(of: arguments)
    var lines: [String] = []
    for _ in 0..<500 {
      var moved = false
      for id in ids where cluster[id].engine != nil {
        let handled = cluster.processReady(id)
        moved = moved || !handled.isEmpty
        lines += handled
      }
      if cluster.inFlight.contains(where: { ids.contains($0.to) }) {
        lines += cluster.deliver(where: { ids.contains($0.to) }, drop: false)
        moved = true
      }
      if !moved { return lines }
    }
    throw TranscriptScriptError("stabilize did not settle within 500 rounds")
  }

  mutating func partition(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    guard !arguments.positional.isEmpty else { throw TranscriptScriptError("usage: partition (ids) [(ids)...]") }
    var groups: [[NodeID]] = []
    var seen: [NodeID] = []
    for argument in arguments.positional {
      let group = try argument.values.map(TranscriptArguments.nodeID)
      for id in group {
        guard cluster.contains(id) else { throw TranscriptScriptError("there is no node \(id)") }
        guard !seen.contains(id) else { throw TranscriptScriptError("node \(id) is in two groups") }
        seen.append(id)
      }
      groups.append(group)
    }
    cluster.partition(groups)
    return ["partition " + cluster.partitionDescription!]
  }

  mutating func isolate(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    cluster.partition([[try node(of: arguments)]])
    return ["partition " + cluster.partitionDescription!]
  }

  mutating func heal(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(0...0, usage: "")
    cluster.heal()
    return []
  }
}
