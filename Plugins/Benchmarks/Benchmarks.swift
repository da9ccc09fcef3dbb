import Foundation
import PackagePlugin

/// `swift package --disable-sandbox benchmarks [--quick] [--output FILE] [--skip-redis]`: runs
/// `Benchmarks/run-all.sh`, which builds in release mode, runs every `raft-bench` subcommand and
/// `redis-benchmark` against a 3-process raft-kv cluster, and writes a Markdown report.
@main
struct Benchmarks: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    let root = context.package.directoryURL
    let script = root.appending(path: "Benchmarks/run-all.sh")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script.path] + arguments
    process.currentDirectoryURL = root
    // The script stops its own cluster on SIGINT/SIGTERM; pass ours on to it.
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let signals = [SIGINT, SIGTERM].map { number in
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { if process.isRunning { kill(process.processIdentifier, number) } }
      source.resume()
      return source
    }
    defer { for signal in signals { signal.cancel() } }
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      Diagnostics.error("benchmarks: Benchmarks/run-all.sh exited with status \(process.terminationStatus)")
      throw BenchmarksError.failed(process.terminationStatus)
    }
  }
}

enum BenchmarksError: Error {
  case failed(Int32)
}
