import Foundation
import RESP

/// Three example servers as separate processes on loopback, as a user starts them by hand.
final class ProcessCluster {
  let executable: URL
  let name: String
  let raftPorts: [UInt16]
  let clientPorts: [UInt16]
  private(set) var processes: [Int: ServerProcess] = [:]
  /// Extra flags for every node (storage, backtracking).
  let extraArguments: [String]

  /// Environment variables for every node.
  let environment: [String: String]
  /// With file storage: node N keeps its state in `dataRoot/nodeN`.
  let dataRoot: URL?

  init(
    executable: URL, name: String, extraArguments: [String] = [], environment: [String: String] = [:],
    fileStorage: Bool = false
  ) throws {
    self.environment = environment
    dataRoot =
      fileStorage
      ? FileManager.default.temporaryDirectory.appendingPathComponent(
        "\(name)-data-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
      : nil
    self.executable = executable
    self.name = name
    self.extraArguments = extraArguments
    let ports = freePorts(6)
    raftPorts = Array(ports[0..<3])
    clientPorts = Array(ports[3..<6])
    for id in 1...3 { try start(id) }
  }

  deinit {
    for process in processes.values { process.kill9() }
    if let dataRoot { try? FileManager.default.removeItem(at: dataRoot) }
  }

  func clientPort(_ id: Int) -> UInt16 { clientPorts[id - 1] }

  func arguments(_ id: Int) -> [String] {
    var arguments = [
      "--id", "\(id)", "--listen", "127.0.0.1:\(raftPorts[id - 1])", "--client", "127.0.0.1:\(clientPort(id))",
    ]
    for peer in 1...3 where peer != id { arguments += ["--peer", "\(peer)=127.0.0.1:\(raftPorts[peer - 1])"] }
    if let dataRoot { arguments += ["--data-dir", dataRoot.appendingPathComponent("node\(id)").path] }
    return arguments + extraArguments
  }

  func start(_ id: Int) throws {
    processes[id] = try ServerProcess(
      executable: executable, arguments: arguments(id), logName: "\(name)-node\(id)", environment: environment)
  }

  func kill9(_ id: Int) {
    processes[id]?.kill9()
    processes[id] = nil
  }

  /// The fields of a node's INFO reply, or nil if it does not answer.
  func info(_ id: Int) -> [String: String]? {
    guard let reply = try? RESPClient(port: clientPort(id), timeout: .seconds(2)).call("INFO"), let text = reply.text
    else { return nil }
    var fields: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: ":", maxSplits: 1)
      if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
    }
    return fields
  }

  /// Waits until the running nodes agree on one leader, and returns it.
  func waitForLeader(among ids: [Int] = [1, 2, 3], timeout: Duration = .seconds(10)) throws -> Int {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      let leaders = ids.compactMap { info($0)?["leader_id"] }
      if leaders.count == ids.count, let first = leaders.first, !first.isEmpty, Set(leaders).count == 1,
        let leader = Int(first), ids.contains(leader), info(leader)?["role"] == "leader"
      {
        return leader
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
    throw RESPClient.ClientError.io("no leader agreed within \(timeout); logs:\n\(logs)")
  }

  var logs: String {
    processes.sorted { $0.key < $1.key }.map { "--- node \($0.key)\n\($0.value.log)" }.joined(separator: "\n")
  }
}
