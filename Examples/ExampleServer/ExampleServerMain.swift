import ExampleSupport
import Foundation
import Raft
import RaftFileStorage
import RaftLibUV

/// Starts the nodes an example's command line asks for and serves until the process ends.
public enum ExampleServerMain {
  /// Runs `service` as `options` say: one node with `--id`, or the embedded 3-node cluster
  /// without it. Invalid options print one line to standard error and exit with status 1.
  public static func run<Service: ServiceDefinition>(_ service: Service, options: ServerOptions) async -> Never {
    let servers: [NodeServer<Service>]
    do {
      let layout = try ClusterLayout(options)
      servers = try await start(service, layout: layout)
      printBanner(service, layout: layout, servers: servers)
    } catch {
      let message = (error as? ServerSetupError)?.message ?? "\(error)"
      FileHandle.standardError.write(Data("\(service.name): error: \(message)\n".utf8))
      exit(1)
    }
    await waitForTerminationSignal()
    say("\(service.name): stopping")
    for server in servers { await server.stop() }
    say("\(service.name): stopped")
    exit(0)
  }

  /// Returns once SIGINT or SIGTERM arrives (Ctrl-C, `kill`), so the nodes stop gracefully:
  /// pending requests are answered, storage writes in flight finish.
  private static func waitForTerminationSignal() async {
    let signals = [SIGINT, SIGTERM]
    for number in signals { signal(number, SIG_IGN) }
    let (stream, continuation) = AsyncStream<Int32>.makeStream()
    let sources = signals.map { number in
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { continuation.yield(number) }
      source.resume()
      return source
    }
    for await _ in stream { break }
    for source in sources { source.cancel() }
  }

  static func start<Service: ServiceDefinition>(_ service: Service, layout: ClusterLayout) async throws
    -> [NodeServer<Service>]
  {
    let memberIDs = layout.members.map(\.id)
    let network = layout.transport == .memory ? InMemoryNetwork() : nil
    var transports: [NodeID: any Transport] = [:]
    var loops: [NodeID: EventLoop] = [:]
    var peerAddresses: [NodeID: SocketAddress] = Dictionary(
      uniqueKeysWithValues: layout.members.map { ($0.id, $0.raftAddress) })
    for local in layout.local {
      let loop = try EventLoop(name: "\(service.name)-\(local.id)")
      loops[local.id] = loop
      if let network {
        transports[local.id] = network.transport(for: local.id)
      } else {
        let transport = TCPTransport(
          configuration: TCPTransportConfiguration(
            clusterID: service.name, node: local.id, listenAddress: local.raftAddress), eventLoop: loop)
        do {
          peerAddresses[local.id] = try transport.listen()
        } catch let error as LibUVError {
          throw ServerSetupError("--listen \(local.raftAddress): \(Self.explain(error))")
        }
        transports[local.id] = transport
      }
    }
    // Peers' addresses are known only now in the embedded cluster, which binds port 0.
    for (id, transport) in transports {
      guard let tcp = transport as? TCPTransport else { continue }
      for member in memberIDs where member != id { try tcp.setPeerAddress(peerAddresses[member]!, for: member) }
    }
    var servers: [NodeServer<Service>] = []
    for local in layout.local {
      let storage = try makeStorage(layout, node: local.id, service: service.name)
      let directory = ClientDirectory()
      let configuration = try NodeConfiguration(
        id: local.id, members: memberIDs, backtracking: layout.backtracking, snapshotThreshold: layout.snapshots?.every,
        snapshotTrailingEntries: layout.snapshots?.keep ?? 0)
      let node = try RaftNode(
        configuration: configuration, storage: storage, transport: transports[local.id]!,
        stateMachine: ServerStateMachine(inner: service.makeStateMachine(), directory: directory),
        eventLoop: loops[local.id]!)
      let server = NodeServer(
        id: local.id, service: service, eventLoop: loops[local.id]!, node: node, directory: directory,
        clientAddress: local.clientAddress, announce: { say($0) })
      do {
        _ = try server.listen()
      } catch let error as LibUVError {
        throw ServerSetupError("--client \(local.clientAddress): \(Self.explain(error))")
      }
      servers.append(server)
    }
    for server in servers { try await server.start() }
    return servers
  }

  /// The storage for one node; the seam where file storage plugs in.
  static func makeStorage(_ layout: ClusterLayout, node: NodeID, service: String) throws -> any Storage {
    switch layout.storage {
    case .memory:
      return MemoryStorage()
    case .file:
      let directory = try DataDirectory.prepare(
        layout.dataDirectory!, service: service, node: node, members: layout.members.map(\.id))
      let raftDirectory = directory.appendingPathComponent("raft").path
      do {
        return try FileStorage(directory: raftDirectory)
      } catch {
        throw ServerSetupError("--data-dir \(layout.dataDirectory!): \(error)")
      }
    }
  }

  private static func explain(_ error: LibUVError) -> String {
    switch error.name {
    case "EADDRINUSE": "the address is in use (is another node running there?)"
    case "EADDRNOTAVAIL": "the address is not on this machine"
    case "EACCES": "permission denied (ports below 1024 need privileges)"
    default: "\(error)"
    }
  }

  private static func printBanner<Service: ServiceDefinition>(
    _ service: Service, layout: ClusterLayout, servers: [NodeServer<Service>]
  ) {
    let first = servers[0].clientAddress
    if layout.embedded {
      say("\(service.name): embedded 3-node cluster in one process (\(layout.transport) transport, memory storage)")
    } else {
      let peers = layout.members.filter { $0.id != servers[0].id }.map { "\($0.id)=\($0.raftAddress)" }
      say(
        "\(service.name): node \(servers[0].id) of \(layout.members.count) (peers \(peers.isEmpty ? "none" : peers.joined(separator: ", "))), \(layout.storage) storage"
      )
    }
    for server in servers { say("  node \(server.id): clients on \(server.clientAddress)") }
    let port = first.port == 6379 && first.host == "127.0.0.1" ? "" : " -h \(first.host) -p \(first.port)"
    say("Connect with: redis-cli\(port)")
    for command in service.exampleCommands.prefix(3) { say("  redis-cli\(port) \(command)") }
  }
}

/// Writes a line to standard output at once (unbuffered), so scripts and tests watching the
/// output see it.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
