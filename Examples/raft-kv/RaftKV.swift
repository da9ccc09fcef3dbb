import ArgumentParser
import ExampleServer
import KeyValueStore

/// `raft-kv`: a replicated key-value store that speaks the Redis protocol.
@main
struct RaftKV: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "raft-kv", abstract: KeyValueService().summary,
    discussion: "Commands: SET key value, GET key, DEL key [key ...], CAS key expected new, INCR key, PING, INFO.")

  @OptionGroup var options: ServerOptions

  func run() async throws { await ExampleServerMain.run(KeyValueService(), options: options) }
}
