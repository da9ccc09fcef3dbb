import Foundation
import PackagePlugin

/// `swift package --disable-sandbox local-cluster <example> --nodes 3`: builds an example, starts one
/// process per node on loopback, prints where to reach each one and where its log goes, and stops
/// every node it started on Ctrl-C (SIGINT) or SIGTERM.
@main
struct LocalCluster: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    // A bad argument throws a ClusterPlan.ParseError, which SwiftPM prints as `error: ...`.
    guard let plan = try ClusterPlan.parse(arguments) else {
      say(ClusterPlan.usage)
      return
    }

    let executable = try build(plan, in: context)
    let root = context.package.directoryURL
    let workDirectory = root.appending(path: plan.workDirectory)
    let files = FileManager.default
    for node in plan.nodes {
      let data = root.appending(path: node.dataDirectory)
      if plan.clean { try? files.removeItem(at: data) }
      try files.createDirectory(at: data, withIntermediateDirectories: true)
    }
    try files.createDirectory(at: workDirectory, withIntermediateDirectories: true)

    let cluster = RunningCluster()
    // Ignore the default action so that the handlers below run instead of the plugin dying and
    // leaving its nodes behind.
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let signals = [SIGINT, SIGTERM].map { number in
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { cluster.stop(reason: number == SIGINT ? "Ctrl-C" : "SIGTERM") }
      source.resume()
      return source
    }
    defer { for signal in signals { signal.cancel() } }

    say("local-cluster: \(plan.nodes.count) × \(plan.product) (\(executable.path))")
    for node in plan.nodes {
      let log = root.appending(path: node.logFile)
      _ = files.createFile(atPath: log.path, contents: nil)
      let handle = try FileHandle(forWritingTo: log)
      let process = Process()
      process.executableURL = executable
      process.arguments = node.arguments
      process.currentDirectoryURL = root
      process.standardOutput = handle
      process.standardError = handle
      process.standardInput = FileHandle.nullDevice
      process.terminationHandler = { finished in cluster.exited(node: node.id, status: finished.terminationStatus) }
      do {
        try process.run()
      } catch {
        cluster.stop(reason: "node \(node.id) failed to start: \(error)")
        throw error
      }
      cluster.add(process, node: node.id)
      say(
        "  node \(node.id)  pid \(process.processIdentifier)  clients \(plan.host):\(node.clientPort)"
          + "  peers \(plan.host):\(node.peerPort)  log \(node.logFile)")
    }
    say("Connect with: redis-cli -p \(plan.nodes[0].clientPort)    Logs: tail -f \(plan.workDirectory)/node*.log")
    say("Press Ctrl-C to stop every node.")
    await cluster.waitUntilAllExited()
    say("local-cluster: every node stopped.")
  }

  private func build(_ plan: ClusterPlan, in context: PluginContext) throws -> URL {
    say("local-cluster: building \(plan.product) (\(plan.release ? "release" : "debug"))...")
    let result = try packageManager.build(
      .product(plan.product),
      parameters: .init(configuration: plan.release ? .release : .debug, logging: .concise))
    guard result.succeeded else {
      Diagnostics.error("local-cluster: building \(plan.product) failed:\n\(result.logText)")
      throw LocalClusterError.buildFailed(plan.product)
    }
    guard let artifact = result.builtArtifacts.first(where: { $0.kind == .executable }) else {
      throw LocalClusterError.notAnExecutable(plan.product)
    }
    return artifact.url
  }
}

enum LocalClusterError: Error, CustomStringConvertible {
  case buildFailed(String)
  case notAnExecutable(String)

  var description: String {
    switch self {
    case .buildFailed(let product): return "building \(product) failed"
    case .notAnExecutable(let product): return "\(product) is not an executable product of this package"
    }
  }
}

/// The node processes, stopped together: SIGTERM first, SIGKILL for any still running 5 s later.
final class RunningCluster: @unchecked Sendable {
  private let lock = NSLock()
  private var running: [Int: Process] = [:]
  private var stopping = false
  private var started = false
  private var waiter: CheckedContinuation<Void, Never>?

  func add(_ process: Process, node: Int) {
    lock.withLock {
      started = true
      if process.isRunning { running[node] = process }
    }
  }

  func exited(node: Int, status: Int32) {
    let (wasStopping, done) = lock.withLock { () -> (Bool, CheckedContinuation<Void, Never>?) in
      running[node] = nil
      guard running.isEmpty, started else { return (stopping, nil) }
      defer { waiter = nil }
      return (stopping, waiter)
    }
    if !wasStopping { say("local-cluster: node \(node) exited with status \(status); see its log.") }
    done?.resume()
  }

  func stop(reason: String) {
    let processes = lock.withLock { () -> [Process] in
      guard !stopping else { return [] }
      stopping = true
      return Array(running.values)
    }
    guard !processes.isEmpty else {
      finishIfEmpty()
      return
    }
    say("\nlocal-cluster: \(reason): stopping \(processes.count) node(s)...")
    for process in processes where process.isRunning { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
      for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
  }

  func waitUntilAllExited() async {
    await withCheckedContinuation { continuation in
      let finished = lock.withLock { () -> Bool in
        if running.isEmpty { return true }
        waiter = continuation
        return false
      }
      if finished { continuation.resume() }
    }
  }

  private func finishIfEmpty() {
    let done = lock.withLock { () -> CheckedContinuation<Void, Never>? in
      guard running.isEmpty else { return nil }
      defer { waiter = nil }
      return waiter
    }
    done?.resume()
  }
}

/// Writes a line at once: SwiftPM reads a plugin's output through a pipe, where `print` would
/// hold the addresses back in its buffer until the plugin ends.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
