@testable import Raft

// Commands that create nodes and feed them inputs: clock, elections, proposals, storage.
extension TranscriptRunner {
  mutating func addNodes(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(
      command,
      options: [
        "prevote", "checkquorum", "backtracking", "election", "heartbeat", "max-entries", "max-inflight",
        "max-uncommitted", "sync", "snapshot-threshold", "snapshot-trailing", "snapshot-chunk",
      ])
    try arguments.expectPositional(1...1, usage: "N [options]")
    guard cluster.ids.isEmpty else { throw TranscriptScriptError("add-nodes runs once, at the start of a script") }
    let count = try TranscriptArguments.int(arguments.positional[0].values[0])
    guard (1...9).contains(count) else { throw TranscriptScriptError("add-nodes takes 1 to 9 nodes") }
    let backtracking: any LogBacktracking
    switch try arguments.value("backtracking") ?? "conflict-hint" {
    case "decrement": backtracking = .decrement
    case "conflict-hint": backtracking = .conflictHint
    case let other: throw TranscriptScriptError("backtracking is decrement or conflict-hint, not '\(other)'")
    }
    let manualSync: Bool
    switch try arguments.value("sync") ?? "auto" {
    case "auto": manualSync = false
    case "manual": manualSync = true
    case let other: throw TranscriptScriptError("sync is auto or manual, not '\(other)'")
    }
    let members = (1...count).map { NodeID(UInt64($0)) }
    for id in members {
      let configuration: NodeConfiguration
      do {
        let defaults = try NodeConfiguration(id: id, members: members)
        configuration = try NodeConfiguration(
          id: id, members: members,
          electionTimeoutTicks: try arguments.int("election") ?? defaults.electionTimeoutTicks,
          heartbeatIntervalTicks: try arguments.int("heartbeat") ?? defaults.heartbeatIntervalTicks,
          preVote: try arguments.bool("prevote") ?? defaults.preVote,
          checkQuorum: try arguments.bool("checkquorum") ?? defaults.checkQuorum,
          maxEntriesPerAppend: try arguments.int("max-entries") ?? defaults.maxEntriesPerAppend,
          maxInflightAppends: try arguments.int("max-inflight") ?? defaults.maxInflightAppends,
          maxUncommittedBytes: try arguments.int("max-uncommitted") ?? defaults.maxUncommittedBytes,
          backtracking: backtracking,
          snapshotThreshold: try arguments.int("snapshot-threshold"),
          snapshotTrailingEntries: try arguments.int("snapshot-trailing") ?? defaults.snapshotTrailingEntries,
          maxSnapshotChunkBytes: try arguments.int("snapshot-chunk") ?? defaults.maxSnapshotChunkBytes)
      } catch let error as TranscriptScriptError {
        throw error
      } catch {
        throw TranscriptScriptError("invalid configuration: \(error)")
      }
      cluster.add(TranscriptNode(configuration: configuration, manualSync: manualSync))
    }
    let configuration = cluster[1].configuration
    var summary =
      "nodes 1...\(count): prevote=\(configuration.preVote) checkquorum=\(configuration.checkQuorum)"
      + " backtracking=\(configuration.backtracking.name) election=\(configuration.electionTimeoutTicks)"
      + " heartbeat=\(configuration.heartbeatIntervalTicks)"
    for key in [
      "max-entries", "max-inflight", "max-uncommitted", "sync", "snapshot-threshold", "snapshot-trailing",
      "snapshot-chunk",
    ] {
      if let value = try arguments.value(key) { summary += " \(key)=\(value)" }
    }
    return [summary]
  }

  mutating func tick(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...2, usage: "ID [TICKS]")
    let id = try liveNode(of: arguments, usage: "ID [TICKS]")
    let count = try arguments.positional.count == 2 ? TranscriptArguments.int(arguments.positional[1].values[0]) : 1
    var lines: [String] = []
    for _ in 0..<count { lines += cluster.withEngine(id) { $0.tick() } }
    return lines
  }

  mutating func tickHeartbeat(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let id = try liveNode(of: arguments)
    var lines: [String] = []
    for _ in 0..<cluster[id].configuration.heartbeatIntervalTicks { lines += cluster.withEngine(id) { $0.tick() } }
    return lines
  }

  /// A follower or candidate ticks until its randomized election timer fires (at most twice the
  /// election timeout); a leader ticks one election timeout, the period of its check-quorum.
  mutating func tickElection(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let id = try liveNode(of: arguments)
    let timeout = cluster[id].configuration.electionTimeoutTicks
    if cluster[id].engine!.role == .leader {
      var lines = ["ticked \(timeout) times (one election timeout)"]
      for _ in 0..<timeout { lines += cluster.withEngine(id) { $0.tick() } }
      return lines
    }
    var transitions: [String] = []
    for ticks in 1...(2 * timeout) {
      transitions += cluster.withEngine(id) { $0.tick() }
      // Only a firing timer resets the elapsed count during a tick.
      if cluster[id].engine!.electionElapsed == 0 {
        return ["election timer of \(id) fired after \(ticks) ticks"] + transitions
      }
    }
    throw TranscriptScriptError("the election timer of \(id) did not fire within \(2 * timeout) ticks")
  }

  mutating func campaign(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let id = try liveNode(of: arguments)
    return cluster.withEngine(id) { $0.campaign() }
  }

  mutating func propose(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    guard arguments.positional.count >= 2 else { throw TranscriptScriptError("usage: propose ID DATA...") }
    let id = try liveNode(of: arguments, usage: "ID DATA...")
    var lines: [String] = []
    for data in arguments.positional.dropFirst().flatMap(\.values) {
      var outcome = ""
      let transitions = cluster.withEngine(id) { engine in
        do {
          outcome = "proposed \(data) at index \(try engine.propose(Array(data.utf8)))"
        } catch {
          outcome = "\(data) refused: \(error)"
        }
      }
      lines += [outcome] + transitions
    }
    return lines
  }

  mutating func syncMode(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(2...2, usage: "ID auto|manual")
    let id = try liveNode(of: arguments, usage: "ID auto|manual")
    switch arguments.positional[1].values {
    case ["manual"]:
      cluster[id].manualSync = true
      return []
    case ["auto"]:
      cluster[id].manualSync = false
      return cluster[id].sync().map { "synced \($0)" }
    default:
      throw TranscriptScriptError("usage: sync-mode ID auto|manual")
    }
  }

  mutating func sync(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    let id = try liveNode(of: arguments)
    let synced = cluster[id].sync()
    return synced.isEmpty ? ["nothing to sync"] : synced.map { "synced \($0)" }
  }

  mutating func crash(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command)
    try arguments.expectPositional(1...1, usage: "ID")
    return crashNode(try liveNode(of: arguments))
  }

  private mutating func crashNode(_ id: NodeID) -> [String] {
    let lost = cluster[id].crash()
    guard !lost.isEmpty else { return ["\(id) crashed"] }
    return ["\(id) crashed, losing unsynced " + lost.map { TranscriptNode.describe($0) }.joined(separator: "; ")]
  }

  /// Restarts a node from its storage, or from the state given by `term=`, `vote=`, `commit=`
  /// and `log=` (one term per entry, from index 1; `T:data` gives a payload), which replaces
  /// its storage. A node still up crashes first.
  mutating func restart(_ command: TranscriptCommand) throws(TranscriptScriptError) -> [String] {
    let arguments = try TranscriptArguments(command, options: ["term", "vote", "commit", "log"])
    try arguments.expectPositional(1...1, usage: "ID [term=T vote=ID|none commit=I log=(T,T:data,...)]")
    let id = try node(of: arguments)
    let replacement =
      ["term", "vote", "commit", "log"].contains(where: arguments.has) ? try persistentState(from: arguments) : nil
    var lines: [String] = []
    if cluster[id].engine != nil { lines += crashNode(id) }
    if let replacement { cluster[id].durable = replacement }
    cluster[id].start()
    let durable = cluster[id].durable
    lines.append(
      "\(id) restarted with \(TranscriptFormat.hardState(durable.hardState))"
        + " log=\(TranscriptFormat.entries(durable.entries))"
        + (durable.snapshot.map { " " + TranscriptFormat.snapshot($0) } ?? ""))
    return lines
  }

  private func persistentState(from arguments: TranscriptArguments) throws(TranscriptScriptError) -> PersistentState {
    var entries: [LogEntry] = []
    for item in arguments.list("log") ?? [] {
      let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
      guard let term = UInt64(parts[0]), term > 0 else {
        throw TranscriptScriptError("log entry '\(item)' needs a positive term (T or T:data)")
      }
      guard Term(term) >= entries.last?.term ?? .zero else {
        throw TranscriptScriptError("log terms must not decrease: '\(item)' after term \(entries.last!.term)")
      }
      let payload = parts.count == 2 ? Array(parts[1].utf8) : []
      entries.append(LogEntry(index: LogIndex(UInt64(entries.count + 1)), term: Term(term), payload: payload))
    }
    let lastTerm = entries.last?.term ?? .zero
    let term = try arguments.int("term").map { Term(UInt64($0)) } ?? lastTerm
    guard term >= lastTerm else { throw TranscriptScriptError("term \(term) is below the last log term \(lastTerm)") }
    let vote = try arguments.value("vote").flatMap { text throws(TranscriptScriptError) in
      text == "none" ? nil : try TranscriptArguments.nodeID(text)
    }
    let commit = try arguments.int("commit") ?? 0
    guard (0...entries.count).contains(commit) else {
      throw TranscriptScriptError("commit \(commit) is beyond the log's \(entries.count) entries")
    }
    return PersistentState(
      hardState: HardState(term: term, votedFor: vote, commitIndex: LogIndex(UInt64(commit))), entries: entries)
  }
}
