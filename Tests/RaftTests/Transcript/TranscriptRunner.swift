import Raft

/// Runs transcript commands against a ``TranscriptCluster`` and returns their output.
///
/// Commands (ids are node ids; `ids` is `1 2` or `(1,2)`):
///
/// | command | effect |
/// |---|---|
/// | `add-nodes N [prevote= checkquorum= backtracking=decrement\|conflict-hint election= heartbeat= max-entries= max-inflight= max-uncommitted= sync=auto\|manual snapshot-threshold= snapshot-trailing= snapshot-chunk=]` | nodes 1...N, all members; with a snapshot threshold, each node's state machine (the applied payloads, comma-separated) is snapshotted |
/// | `tick ID [N]`, `tick-heartbeat ID` | advance a node's clock N ticks / one heartbeat interval |
/// | `tick-election ID` | a follower: tick until its election timer fires; a leader: one election timeout (a check-quorum period) |
/// | `campaign ID` | start an election now |
/// | `propose ID DATA...` | one proposal per DATA |
/// | `process-ready [ids]` | write, send and apply what each node's `ready()` holds |
/// | `deliver-msgs [from=] [to=] [type=]`, `drop-msgs [...]` | deliver or lose in-flight messages |
/// | `stabilize [ids]` | process-ready and deliver until nothing moves |
/// | `partition (ids) (ids)...`, `isolate ID`, `heal` | cut and restore the network |
/// | `sync-mode ID auto\|manual`, `sync ID` | hold writes until an explicit sync, or make them durable |
/// | `crash ID`, `restart ID [term= vote= commit= log=(T,T:data,...)]` | lose unsynced writes; restart from storage, or from the given state |
/// | `log ID`, `status ID`, `raft-state`, `msgs`, `stats ID` | show state |
///
/// A command's output lists role or term changes as `N became ROLE at term T`, right after the
/// input that caused them.
struct TranscriptRunner {
  var cluster = TranscriptCluster()

  mutating func run(_ command: TranscriptCommand) throws(TranscriptScriptError) -> String {
    if command.name != "add-nodes" && cluster.ids.isEmpty {
      throw TranscriptScriptError("no nodes yet: start the script with add-nodes")
    }
    let lines: [String]
    switch command.name {
    case "add-nodes": lines = try addNodes(command)
    case "tick": lines = try tick(command)
    case "tick-heartbeat": lines = try tickHeartbeat(command)
    case "tick-election": lines = try tickElection(command)
    case "campaign": lines = try campaign(command)
    case "propose": lines = try propose(command)
    case "process-ready": lines = try processReady(command)
    case "deliver-msgs": lines = try deliver(command, drop: false)
    case "drop-msgs": lines = try deliver(command, drop: true)
    case "stabilize": lines = try stabilize(command)
    case "partition": lines = try partition(command)
    case "isolate": lines = try isolate(command)
    case "heal": lines = try heal(command)
    case "sync-mode": lines = try syncMode(command)
    case "sync": lines = try sync(command)
    case "crash": lines = try crash(command)
    case "restart": lines = try restart(command)
    case "log": lines = try log(command)
    case "status": lines = try status(command)
    case "raft-state": lines = try raftState(command)
    case "msgs": lines = try messages(command)
    case "stats": lines = try stats(command)
    default: throw TranscriptScriptError("unknown command '\(command.name)'")
    }
    if let blank = lines.firstIndex(where: { $0.trimmingPrefix(" ").isEmpty }) {
      // A blank line would end the block when the script is read back.
      preconditionFailure("output line \(blank) of '\(command.name)' is blank")
    }
    return lines.isEmpty ? "ok" : lines.joined(separator: "\n")
  }

  // MARK: Argument helpers

  /// The single node id a command acts on, which must exist.
  func node(of arguments: TranscriptArguments, usage: String = "ID") throws(TranscriptScriptError) -> NodeID {
    guard let first = arguments.positional.first, !first.isList, first.values.count == 1 else {
      throw TranscriptScriptError("usage: \(arguments.command.name) \(usage)")
    }
    let id = try TranscriptArguments.nodeID(first.values[0])
    guard cluster.contains(id) else { throw TranscriptScriptError("there is no node \(id)") }
    return id
  }

  /// Like ``node(of:usage:)``, and the node must be up.
  func liveNode(of arguments: TranscriptArguments, usage: String = "ID") throws(TranscriptScriptError) -> NodeID {
    let id = try node(of: arguments, usage: usage)
    guard cluster[id].engine != nil else { throw TranscriptScriptError("node \(id) is down") }
    return id
  }

  /// The nodes named by the positional arguments, all of them if none; each must exist.
  func nodes(of arguments: TranscriptArguments) throws(TranscriptScriptError) -> [NodeID] {
    let ids = try arguments.positionalNodeIDs()
    for id in ids where !cluster.contains(id) { throw TranscriptScriptError("there is no node \(id)") }
    return ids.isEmpty ? cluster.ids : ids.sorted()
  }
}
