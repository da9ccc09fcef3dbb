import Foundation
import PackagePlugin

/// `swift package run-cluster [--example raft-kv] [--nodes 3] [--client-port 6401] [--raft-port 7001]`:
/// builds an example and runs a local cluster of it, one process per node, until Ctrl-C.
@main
struct ExampleCluster: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    var extractor = ArgumentExtractor(arguments)
    let example = extractor.extractOption(named: "example").last ?? "raft-kv"
    let nodes = try number(extractor.extractOption(named: "nodes").last, default: 3, option: "--nodes")
    let clientPort = try number(
      extractor.extractOption(named: "client-port").last, default: 6401, option: "--client-port")
    let raftPort = try number(extractor.extractOption(named: "raft-port").last, default: 7001, option: "--raft-port")
    guard ["raft-kv", "raft-counter", "raft-lock"].contains(example) else {
      throw PluginError("--example must be raft-kv, raft-counter or raft-lock, not \(example)")
    }
    guard (1...9).contains(nodes) else { throw PluginError("--nodes must be between 1 and 9") }

    let build = try packageManager.build(.product(example), parameters: .init(configuration: .debug, logging: .concise))
    guard build.succeeded, let artifact = build.builtArtifacts.first(where: { $0.kind == .executable }) else {
      throw PluginError("building \(example) failed:\n\(build.logText)")
    }
    var processes: [Process] = []
    for id in 1...nodes {
      var arguments = [
        "--id", "\(id)", "--listen", "127.0.0.1:\(raftPort + id - 1)", "--client", "127.0.0.1:\(clientPort + id - 1)",
      ]
      for peer in 1...nodes where peer != id { arguments += ["--peer", "\(peer)=127.0.0.1:\(raftPort + peer - 1)"] }
      let process = Process()
      process.executableURL = artifact.url
      process.arguments = arguments
      try process.run()
      say("node \(id): pid \(process.processIdentifier), \(example) \(arguments.joined(separator: " "))")
      processes.append(process)
    }
    say("Try: redis-cli -p \(clientPort) INFO; kill -9 the leader's pid and watch another node take over.")
    say("Ctrl-C stops the cluster.")
    for process in processes { process.waitUntilExit() }
  }

  private func number(_ text: String?, default value: Int, option: String) throws -> Int {
    guard let text else { return value }
    guard let parsed = Int(text), parsed > 0 else {
      throw PluginError("\(option) needs a positive number, not \(text)")
    }
    return parsed
  }
}

struct PluginError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Prints at once: SwiftPM relays a plugin's output, which would otherwise sit in a buffer
/// while the cluster runs.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
