import Raft

// Commands that only show state.
extension TranscriptRunner {
  /// The log, commit, applied and persisted indexes of a live node; the storage of a node that
  /// is down.
  func log(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let id = try node(of: arguments)
    guard let engine = cluster[id].engine else {
      let durable = cluster[id].durable
      return [
        "\(id) is down; storage holds \(TranscriptFormat.hardState(durable.hardState))"
          + " log=\(TranscriptFormat.entries(durable.entries))"
      ]
    }
    let log = engine.log
    let entries = log.lastIndex >= log.firstIndex ? Array(log.entries(in: log.firstIndex...log.lastIndex)) : []
    return [
      "log=\(TranscriptFormat.entries(entries))",
      "commit=\(engine.commitIndex) applied=\(engine.appliedIndex) persisted=\(log.persistedIndex)",
    ]
  }

  /// One node's state, and on a leader its view of each follower.
  func status(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let engine = try cluster[liveNode(of: arguments)].engine!
    let status = engine.status
    var lines = [
      TranscriptFormat.summary(of: engine) + " applied=\(status.appliedIndex) persisted=\(status.persistedIndex)"
    ]
    for peer in status.peers.keys.sorted() {
      lines.append("  " + TranscriptFormat.progress(of: peer, status.peers[peer]!))
    }
    return lines
  }

  /// One line per node, and the partition if there is one.
  func raftState(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(0...0, usage: "")
    var lines = cluster.ids.map { id in
      cluster[id].engine.map(TranscriptFormat.summary) ?? "\(id): down"
    }
    if let partition = cluster.partitionDescription { lines.append("partition \(partition)") }
    return lines
  }

  /// The messages in flight, in sending order.
  func messages(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(0...0, usage: "")
    let lines = cluster.inFlight.map(TranscriptFormat.message)
    return lines.isEmpty ? ["no messages in flight"] : lines
  }

  /// The engine's counters: elections started, catch-ups and their round trips, appends sent.
  func stats(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let statistics = try cluster[liveNode(of: arguments)].engine!.statistics
    return [
      "elections=\(statistics.electionsStarted) catch-ups=\(statistics.catchUps)"
        + " catch-up-round-trips=\(statistics.catchUpRoundTrips) appends-sent=\(statistics.appendMessagesSent)"
        + " entries-sent=\(statistics.entriesSent)"
    ]
  }
}
