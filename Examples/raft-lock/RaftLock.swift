import ArgumentParser
import ExampleServer
import LockService

/// `raft-lock`: replicated locks with leases and fencing tokens that speak the Redis protocol.
@main
struct RaftLock: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "raft-lock", abstract: LockServiceDefinition().summary,
    discussion: "Commands: LOCK name owner ttl_ms, UNLOCK name owner, OWNER name, PING, INFO.")

  @OptionGroup var options: ServerOptions

  func run() async throws { await ExampleServerMain.run(LockServiceDefinition(), options: options) }
}
