import ExampleSupport
import Foundation
import RESP
import Raft
import RaftLibUV

/// One node of a service: a ``RaftNode`` on its own libuv loop and the client port it serves
/// on the same loop.
///
/// Any node serves any command. A write is proposed with the client's session id and sequence
/// number (the runtime forwards a follower's proposal to the leader; should that fail with the
/// leader named, the server forwards to the leader's client port, learned from the log). A read
/// runs through ReadIndex: the node learns a read index confirmed by a quorum (from the leader,
/// on a follower) and answers from its own replica once applied that far, so it is
/// linearizable without a log entry. Retryable failures are retried for a few seconds with the
/// same session and sequence (so a write applies once), then answered with `-TRYAGAIN`.
final class NodeServer<Service: ServiceDefinition>: ClientRequestHandler, @unchecked Sendable {
  // @unchecked: `sessions`, `listener` and `advertisedTerm` are confined to `eventLoop`'s thread;
  // the rest is immutable or thread-safe.

  let id: NodeID
  let service: Service
  let eventLoop: EventLoop
  let node: RaftNode
  let directory: ClientDirectory
  private(set) var clientAddress: SocketAddress
  private let forwarder: Forwarder
  private var listener: TCPListener?
  private var sessions: [ObjectIdentifier: ClientSession] = [:]
  private var watcher: Task<Void, Never>?
  /// How long a request is retried before `-TRYAGAIN`.
  let retryWindow: Duration
  let announce: @Sendable (String) -> Void

  init(
    id: NodeID, service: Service, eventLoop: EventLoop, node: RaftNode, directory: ClientDirectory,
    clientAddress: SocketAddress, retryWindow: Duration = .seconds(5), announce: @escaping @Sendable (String) -> Void
  ) {
    self.id = id
    self.service = service
    self.eventLoop = eventLoop
    self.node = node
    self.directory = directory
    self.clientAddress = clientAddress
    self.forwarder = Forwarder(eventLoop: eventLoop)
    self.retryWindow = retryWindow
    self.announce = announce
  }

  /// Opens the client port (before the node starts, so a port in use fails fast).
  func listen() throws -> SocketAddress {
    try eventLoop.runBlocking {
      let listener = try TCPListener(on: self.eventLoop, address: self.clientAddress) { [unowned self] connection in
        let session = ClientSession(connection: connection, server: self)
        self.sessions[ObjectIdentifier(session)] = session
        session.start { [unowned self] closed in self.sessions[ObjectIdentifier(closed)] = nil }
      }
      self.listener = listener
      self.clientAddress = listener.address
      return listener.address
    }
  }

  /// Starts the node and the watcher that announces this node's client address whenever it
  /// becomes leader.
  func start() async throws {
    try await node.start()
    watcher = Task { [self] in await watchLeadership() }
  }

  func stop() async {
    watcher?.cancel()
    await node.stop()
    _ = try? eventLoop.runBlocking {
      self.listener?.close()
      self.listener = nil
      for session in self.sessions.values { session.close() }
      self.sessions.removeAll()
      self.forwarder.close()
    }
    await eventLoop.shutdown()
  }

  private func watchLeadership() async {
    var announcedTerm: Term?
    var reportedLeader: (Term, NodeID)?
    while !Task.isCancelled {
      if let status = try? await node.status() {
        if status.role == .leader && announcedTerm != status.term {
          let entry = ServerEntry.clientAddress(id, clientAddress).encoded
          if (try? await node.propose(entry)) != nil { announcedTerm = status.term }
        }
        if let leader = status.leader, reportedLeader.map({ $0 != (status.term, leader) }) ?? true {
          reportedLeader = (status.term, leader)
          if leader == id { announce("node \(id) is the leader (term \(status.term))") }
        }
      }
      try? await Task.sleep(for: .milliseconds(50))
    }
  }

  // MARK: Commands

  func handle(_ arguments: [[UInt8]], session: ClientSession) -> ClientReply {
    let name = String(decoding: arguments[0], as: UTF8.self).uppercased()
    switch name {
    case "PING":
      switch arguments.count {
      case 1: return .now(RESPValue.simpleString("PONG").encoded)
      case 2: return .now(RESPValue.bulkString(arguments[1]).encoded)
      default: return .now(Replies.wrongArity(arguments).encoded)
      }
    case "QUIT":
      return .close(RESPValue.ok.encoded)
    case "INFO":
      return .later { [self] in await info() }
    case "RAFT.PROPOSE":
      guard arguments.count == 2 else { return .now(Replies.wrongArity(arguments).encoded) }
      return .concurrent { [self] in await proposeForwarded(arguments[1]) }
    default:
      break
    }
    let entry: ServiceEntry
    switch service.plan(arguments) {
    case .reply(let value): return .now(value.encoded)
    case .read: return .later { [self] in await executeRead(ServiceEntry(arguments: arguments)) }
    case .write:
      entry = ServiceEntry(clientID: session.clientID, sequence: session.nextSequence(), arguments: arguments)
    }
    return .later { [self] in await execute(entry) }
  }

  /// Proposes `entry` here or through the leader, retrying retryable failures within the retry
  /// window with the same session and sequence.
  func execute(_ entry: ServiceEntry) async -> [UInt8] {
    let deadline = ContinuousClock.now + retryWindow
    var reason = "no leader is known"
    while true {
      do {
        return try await node.propose(Self.stamped(entry))
      } catch .notLeader(let leader?) where leader != id {
        if let address = directory[leader] {
          switch await forwarder.forward(ServerEntry.service(entry.encoded).encoded, to: address) {
          case .reply(let reply): return reply
          case .retry(let why): reason = why
          }
        } else {
          reason = "node \(leader) leads, but its client address is not known yet"
        }
      } catch .storageFailed(let why) {
        return RESPValue.error("ERR storage failed: \(why)").encoded
      } catch {
        reason = Self.reason(error)
      }
      if ContinuousClock.now >= deadline { return RESPValue.error("TRYAGAIN \(reason)").encoded }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Answers a read command linearizably through ReadIndex, retrying retryable failures within
  /// the retry window.
  func executeRead(_ entry: ServiceEntry) async -> [UInt8] {
    let deadline = ContinuousClock.now + retryWindow
    var reason = "no leader is known"
    while true {
      var query = entry
      // The serving node's clock: a lock's expiry is judged at the later of it and the log's.
      query.timestampMilliseconds = Self.currentMilliseconds()
      let question = query
      do {
        return try await node.read { machine in
          guard let machine = machine as? ServerStateMachine<Service.Machine> else {
            return RESPValue.error("ERR the node runs an unexpected state machine").encoded
          }
          return machine.query(question)
        }
      } catch let error as RaftNodeError {
        if case .storageFailed(let why) = error { return RESPValue.error("ERR storage failed: \(why)").encoded }
        reason = Self.reason(error)
      } catch {
        reason = "\(error)"
      }
      if ContinuousClock.now >= deadline { return RESPValue.error("TRYAGAIN \(reason)").encoded }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  /// A follower's request: propose once here (never forward again, so requests cannot loop).
  private func proposeForwarded(_ bytes: [UInt8]) async -> [UInt8] {
    guard case .service(let inner)? = ServerEntry(decoding: bytes), let entry = ServiceEntry(decoding: inner) else {
      return RESPValue.error("ERR malformed forwarded entry").encoded
    }
    do {
      return RESPValue.bulkString(try await node.propose(Self.stamped(entry))).encoded
    } catch {
      return RESPValue.error("TRYAGAIN \(Self.reason(error))").encoded
    }
  }

  /// The entry as this node proposes it: with the leader's clock, the only time a state
  /// machine sees.
  private static func stamped(_ entry: ServiceEntry) -> [UInt8] {
    var entry = entry
    entry.timestampMilliseconds = currentMilliseconds()
    return ServerEntry.service(entry.encoded).encoded
  }

  private static func currentMilliseconds() -> UInt64 {
    UInt64(max(0, Date().timeIntervalSince1970 * 1000))
  }

  private static func reason(_ error: RaftNodeError) -> String {
    switch error {
    case .notLeader(nil): "no leader is known (an election is under way)"
    case .notLeader(let leader?): "not the leader; node \(leader) leads"
    case .leadershipLost: "leadership was lost before the command committed"
    case .uncommittedLogFull: "the leader is busy (too many uncommitted bytes)"
    case .stopping, .notStarted: "the node is not running"
    case .storageFailed(let why): "storage failed: \(why)"
    }
  }

  private func info() async -> [UInt8] {
    guard let status = try? await node.status() else {
      return RESPValue.error("TRYAGAIN the node is not running").encoded
    }
    let lines = [
      "# Raft",
      "node_id:\(id)",
      "role:\(status.role)",
      "term:\(status.term)",
      "leader_id:\(status.leader.map(\.description) ?? "")",
      "commit_index:\(status.commitIndex)",
      "last_applied:\(status.appliedIndex)",
      "last_index:\(status.lastIndex)",
      "client_address:\(clientAddress)",
      "service:\(service.name)",
    ]
    return RESPValue.bulk(lines.joined(separator: "\r\n") + "\r\n").encoded
  }
}
