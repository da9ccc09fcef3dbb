import Foundation
import RESP
import Testing

/// `raft-counter` with no `--id`: the embedded 3-node cluster in one process (on free ports
/// here, 6379 and up by default).
@Suite(.serialized)
struct EmbeddedClusterTests {
  @Test func anyNodeOfTheEmbeddedClusterServesTheCounter() throws {
    guard let executable = ServerProcess.executable("raft-counter") else {
      Issue.record("raft-counter is not built next to the test runner; run `swift build` first")
      return
    }
    let server = try ServerProcess(
      executable: executable, arguments: ["--client", "127.0.0.1:0"], logName: "raft-counter-embedded")
    var ports: [UInt16] = []
    let deadline = ContinuousClock.now + .seconds(10)
    while ports.count < 3 && ContinuousClock.now < deadline {
      // "  node 2: clients on 127.0.0.1:40123"
      ports = server.log.split(separator: "\n").compactMap { line in
        guard line.contains(": clients on "), let port = line.split(separator: ":").last else { return nil }
        return UInt16(port)
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
    try #require(ports.count == 3, "banner: \(server.log)")
    #expect(server.log.contains("Connect with: redis-cli"))
    #expect(try callRetrying(port: ports[0], ["INCR"]) == .integer(1))
    #expect(try callRetrying(port: ports[1], ["INCRBY", "10"]) == .integer(11))
    #expect(try callRetrying(port: ports[2], ["DECR"]) == .integer(10))
    for port in ports { #expect(try callRetrying(port: port, ["GET"]) == .integer(10)) }
    #expect(
      try callRetrying(port: ports[2], ["INCRBY", "ten"]) == .error("ERR value is not an integer or out of range"))
    #expect(try callRetrying(port: ports[0], ["PING", "hi"]) == .bulk("hi"))
  }

  @Test(arguments: [
    (
      ["--id", "1", "--listen", "127.0.0.1:1", "--client", "127.0.0.1:2", "--peer", "2:127.0.0.1:3"],
      "expected id=host:port"
    ),
    (["--id", "1", "--listen", "127.0.0.1:1", "--client", "127.0.0.1:2", "--peer", "1=127.0.0.1:3"], "own id"),
    (
      [
        "--id", "1", "--listen", "127.0.0.1:1", "--client", "127.0.0.1:2", "--peer", "2=127.0.0.1:3", "--peer",
        "2=127.0.0.1:4",
      ],
      "given twice"
    ),
    (["--id", "1", "--client", "127.0.0.1:2"], "--listen"),
    (["--id", "1", "--listen", "example.com:1", "--client", "127.0.0.1:2"], "not an IP address"),
    (["--snapshot-every=-5"], "--snapshot-every -5"),
  ])
  func invalidFlagsFailFastWithOneLine(arguments: [String], expected: String) throws {
    let executable = try #require(ServerProcess.executable("raft-kv"))
    let server = try ServerProcess(executable: executable, arguments: arguments, logName: "raft-kv-flags")
    server.process.waitUntilExit()
    #expect(server.process.terminationStatus != 0)
    let lines = server.log.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].hasPrefix("raft-kv: error: ") && lines[0].contains(expected), "\(server.log)")
  }

  @Test func aPortInUseFailsFast() throws {
    let executable = try #require(ServerProcess.executable("raft-kv"))
    let ports = freePorts(3)
    let first = try ServerProcess(
      executable: executable,
      arguments: ["--id", "1", "--listen", "127.0.0.1:\(ports[0])", "--client", "127.0.0.1:\(ports[1])"],
      logName: "raft-kv-first")
    _ = try callRetrying(port: ports[1], ["PING"])
    let second = try ServerProcess(
      executable: executable,
      arguments: ["--id", "1", "--listen", "127.0.0.1:\(ports[2])", "--client", "127.0.0.1:\(ports[1])"],
      logName: "raft-kv-second")
    second.process.waitUntilExit()
    #expect(second.process.terminationStatus != 0)
    #expect(second.log.contains("--client 127.0.0.1:\(ports[1]): the address is in use"), "\(second.log)")
    withExtendedLifetime(first) {}
  }

  @Test func aDataDirectoryOfAnotherNodeIsRefused() throws {
    let executable = try #require(ServerProcess.executable("raft-kv"))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("raft-kv-dir-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let ports = freePorts(2)
    func arguments(id: Int, client: UInt16) -> [String] {
      [
        "--id", "\(id)", "--listen", "127.0.0.1:0", "--client", "127.0.0.1:\(client)", "--peer",
        "\(3 - id)=127.0.0.1:1",
        "--data-dir", directory.path,
      ]
    }
    // Node 1 claims the directory and runs on it.
    let first = try ServerProcess(
      executable: executable, arguments: arguments(id: 1, client: ports[0]), logName: "raft-kv-dir1")
    _ = try callRetrying(port: ports[0], ["PING"])
    let second = try ServerProcess(
      executable: executable, arguments: arguments(id: 2, client: ports[1]), logName: "raft-kv-dir2")
    second.process.waitUntilExit()
    #expect(second.process.terminationStatus != 0)
    #expect(second.log.contains("belongs to another cluster or node"), "\(second.log)")
    withExtendedLifetime(first) {}
  }

  @Test func withoutAQuorumRequestsEndInTryAgain() throws {
    let executable = try #require(ServerProcess.executable("raft-kv"))
    let ports = freePorts(4)
    let lonely = try ServerProcess(
      executable: executable,
      arguments: [
        "--id", "1", "--listen", "127.0.0.1:\(ports[0])", "--client", "127.0.0.1:\(ports[1])",
        "--peer", "2=127.0.0.1:\(ports[2])", "--peer", "3=127.0.0.1:\(ports[3])",
      ], logName: "raft-kv-lonely")
    _ = try callRetrying(port: ports[1], ["PING"])
    let client = try RESPClient(port: ports[1], timeout: .seconds(20))
    let reply = try client.call("SET", "k", "v")
    #expect(reply.text?.hasPrefix("TRYAGAIN ") == true, "\(reply)")
    if case .error = reply {} else { Issue.record("expected an error reply, got \(reply)") }
    #expect(try client.call("PING") == .simpleString("PONG"), "the connection stays usable")
    withExtendedLifetime(lonely) {}
  }
}
