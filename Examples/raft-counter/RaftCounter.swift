import ArgumentParser
import Counter
import ExampleServer

/// `raft-counter`: one replicated counter that speaks the Redis protocol.
@main
struct RaftCounter: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "raft-counter", abstract: CounterService().summary,
    discussion: "Commands: INCR, INCRBY n, DECR, GET, PING, INFO.")

  @OptionGroup var options: ServerOptions

  func run() async throws { await ExampleServerMain.run(CounterService(), options: options) }
}
