import Raft

extension Simulation {
  /// A copy of `node`'s engine, for read-only inspection (its log, role, progress). A crashed
  /// node's is the engine as it was when it crashed.
  public func engine(of node: NodeID) -> RaftEngine { nodes[slot(of: node)].engine }

  /// `node`'s status report (see ``engine(of:)`` for crashed nodes).
  public func status(of node: NodeID) -> RaftStatus { engine(of: node).status }

  /// `node`'s engine counters, for its current lifetime.
  public func statistics(of node: NodeID) -> EngineStatistics { engine(of: node).statistics }

  /// `node`'s role as its engine sees it.
  public func role(of node: NodeID) -> Role { engine(of: node).role }

  /// `node`'s current term.
  public func term(of node: NodeID) -> Term { engine(of: node).term }

  /// `node`'s state machine (empty again after a restart, until the log is replayed).
  public func machine(of node: NodeID) -> Machine { nodes[slot(of: node)].machine }

  /// `node`'s storage, to inspect what is durable.
  public func storage(of node: NodeID) -> MemoryStorage { nodes[slot(of: node)].storage }

  /// What `node` sent so far, over all its lifetimes.
  public func traffic(of node: NodeID) -> TrafficCounters { trafficByNode[slot(of: node)] }

  /// The commands `node` applied in its current lifetime, in log order, with their results
  /// (commands covered by a restored snapshot are left out: the state machine never answered them).
  public func appliedCommands(on node: NodeID) -> [AppliedCommand] {
    nodes[slot(of: node)].applied.compactMap { applied in
      applied.result.map {
        AppliedCommand(index: applied.entry.index, term: applied.entry.term, command: applied.entry.payload, result: $0)
      }
    }
  }

  /// The command `node` applied at `index` in its current lifetime, if it applied one there
  /// (indexes holding a leader's no-op have none).
  public func appliedCommand(at index: LogIndex, on node: NodeID) -> AppliedCommand? {
    let simulated = nodes[slot(of: node)]
    let offset = Int(index.rawValue) - 1
    guard offset >= 0, offset < simulated.applied.count, let result = simulated.applied[offset].result else {
      return nil
    }
    let entry = simulated.applied[offset].entry
    return AppliedCommand(index: index, term: entry.term, command: entry.payload, result: result)
  }

  /// The highest index `node` applied in its current lifetime.
  public func appliedIndex(of node: NodeID) -> LogIndex { LogIndex(UInt64(nodes[slot(of: node)].applied.count)) }

  /// Running nodes that believe they lead, sorted; stale leaders cut off by a partition included.
  public var leaders: [NodeID] {
    nodes.filter { $0.isUp && $0.engine.role == .leader }.map(\.id)
  }

  /// The leader a client on the network would find: among connected (see ``disconnect(_:)``),
  /// running, unpaused nodes that believe they lead, the one of the highest term.
  public var reachableLeader: NodeID? {
    nodes.filter { isReachable($0) && $0.engine.role == .leader }.max { $0.engine.term < $1.engine.term }?.id
  }

  /// How many running nodes applied a command at `index`, and that command; as MIT 6.824's
  /// `nCommitted`.
  /// - Throws: if two nodes applied different commands there (also a safety violation).
  public func nCommitted(at index: LogIndex) throws(SimulationFailure) -> (count: Int, command: [UInt8]?) {
    try throwIfFailed()
    var count = 0
    var command: [UInt8]?
    var first: NodeID?
    for node in nodes where node.isUp {
      let offset = Int(index.rawValue) - 1
      guard offset >= 0, offset < node.applied.count, node.applied[offset].entry.kind == .command else { continue }
      let applied = node.applied[offset].entry.payload
      if let command, command != applied {
        try fail(
          .violated(.stateMachineSafety),
          "at \(index) n\(first!) applied \(printable(command)) but n\(node.id) applied \(printable(applied))")
      }
      command = applied
      first = first ?? node.id
      count += 1
    }
    return (count, command)
  }

  func isReachable(_ node: SimulatedNode<Machine>) -> Bool {
    node.isUp && !node.isPaused && connected[slot(of: node.id)]
  }
}
