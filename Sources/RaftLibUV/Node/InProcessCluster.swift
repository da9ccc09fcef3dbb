import Raft
import Synchronization

/// Several ``RaftNode``s in one process, on one ``EventLoop``, connected by an
/// `InMemoryNetwork` and storing in `MemoryStorage`: a whole replicated service without
/// sockets or files, for embedding, examples and tests.
///
/// It offers nothing a node does not; it saves the wiring and routes proposals to the leader.
public final class InProcessCluster: Sendable {
  /// The loop every node runs on.
  public let eventLoop: EventLoop
  /// The network between the nodes; partition it to experiment.
  public let network: InMemoryNetwork
  /// The nodes, by id.
  public let nodes: [NodeID: RaftNode]

  /// Builds (does not start) a cluster of `members`.
  /// - Parameters:
  ///   - makeStateMachine: a fresh state machine for each node.
  ///   - options: for every node; a nil seed gives each node its own random seed.
  public init(
    members: [NodeID], options: RaftNodeOptions = RaftNodeOptions(),
    makeStateMachine: (NodeID) -> any StateMachine
  ) throws {
    eventLoop = try EventLoop(name: "in-process-cluster")
    network = InMemoryNetwork()
    var nodes: [NodeID: RaftNode] = [:]
    for id in members {
      nodes[id] = try RaftNode(
        configuration: NodeConfiguration(id: id, members: members), storage: MemoryStorage(),
        transport: network.transport(for: id), stateMachine: makeStateMachine(id), eventLoop: eventLoop,
        options: options)
    }
    self.nodes = nodes
  }

  /// Starts every node.
  public func start() async throws {
    for id in nodes.keys.sorted() { try await nodes[id]!.start() }
  }

  /// Stops every node, then the loop. Idempotent.
  public func stop() async {
    for node in nodes.values { await node.stop() }
    await eventLoop.shutdown()
  }

  /// The node that currently leads, if any.
  public func leader() async -> NodeID? {
    for id in nodes.keys.sorted() {
      if let status = try? await nodes[id]!.status(), status.role == .leader { return id }
    }
    return nil
  }

  /// Proposes `command` to the leader, following leader hints and waiting out elections,
  /// until it is applied or `timeout` passes.
  /// - Throws: the last ``RaftNodeError`` when time runs out or the error is not retryable.
  public func propose(_ command: [UInt8], timeout: Duration = .seconds(10)) async throws(RaftNodeError) -> [UInt8] {
    let deadline = ContinuousClock.now + timeout
    var target = await leader() ?? nodes.keys.min()!
    while true {
      do {
        return try await nodes[target]!.propose(command)
      } catch {
        guard error.isRetryable, ContinuousClock.now < deadline else { throw error }
        if case .notLeader(let hint?) = error, nodes[hint] != nil {
          target = hint
        } else {
          try? await Task.sleep(for: .milliseconds(5))
          target = await leader() ?? target
        }
      }
    }
  }
}
