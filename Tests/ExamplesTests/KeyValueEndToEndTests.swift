import Foundation
import RESP
import Testing

/// Three `raft-kv` processes driven by redis-cli and the Swift client: writes through a
/// follower, reads from every node, the leader killed with SIGKILL and restarted.
@Suite(.serialized)
struct KeyValueEndToEndTests {
  @Test func writesSurviveTheLeaderBeingKilled() throws {
    guard let executable = ServerProcess.executable("raft-kv") else {
      Issue.record("raft-kv is not built next to the test runner; run `swift build` first")
      return
    }
    // File storage, and snapshots every 20 entries: the restarted node recovers its files,
    // restores its latest snapshot and catches up.
    let cluster = try ProcessCluster(
      executable: executable, name: "raft-kv", extraArguments: ["--snapshot-every", "20"], fileStorage: true)
    let leader = try cluster.waitForLeader()
    let follower = [1, 2, 3].first { $0 != leader }!
    var acknowledged: [String: String] = [:]

    // Writes through a follower, with the Swift client, pipelined: replies come back in order.
    let client = try RESPClient(port: cluster.clientPort(follower))
    var pipeline: [UInt8] = []
    for i in 0..<20 { RESPValue.command(["SET", "key\(i)", "value\(i)"]).encode(into: &pipeline) }
    try client.send(pipeline)
    for i in 0..<20 {
      #expect(try client.receive() == .ok, "SET key\(i) through follower \(follower)")
      acknowledged["key\(i)"] = "value\(i)"
    }
    #expect(try client.call("PING") == .simpleString("PONG"))
    #expect(try client.call("CAS", "key0", "value0", "changed") == .integer(1))
    #expect(try client.call("CAS", "key0", "value0", "again") == .integer(0))
    #expect(try client.call("CAS", "missing", "", "x") == .integer(0))
    acknowledged["key0"] = "changed"
    #expect(try client.call("INCR", "hits") == .integer(1))
    #expect(try client.call("INCR", "key1") == .error("ERR value is not an integer or out of range"))
    #expect(try client.call("DEL", "key19", "nothing") == .integer(1))
    acknowledged["key19"] = nil
    #expect(try client.call("NOPE") == .error("ERR unknown command 'NOPE'"))
    #expect(try client.call("GET") == .error("ERR wrong number of arguments for 'get' command"))

    // redis-cli, against another node.
    if let reply = try redisCLI(port: cluster.clientPort(leader), ["SET", "from-cli", "yes"]) {
      #expect(reply == "OK")
      acknowledged["from-cli"] = "yes"
      #expect(try redisCLI(port: cluster.clientPort(follower), ["GET", "from-cli"]) == "yes")
      let info = try redisCLI(port: cluster.clientPort(follower), ["INFO"]) ?? ""
      for field in [
        "role:follower", "term:", "leader_id:\(leader)", "commit_index:", "last_applied:", "node_id:\(follower)",
      ] {
        #expect(info.contains(field), "INFO lacks \(field): \(info)")
      }
    }

    // Oversized arguments are refused and the connection stays usable; malformed framing is
    // answered, then the connection closes.
    let big = [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 1)
    try client.send(RESPValue.array([.bulk("SET"), .bulk("big"), .bulkString(big)]).encoded)
    let refusal = try client.receive()
    #expect(refusal.text?.hasPrefix("ERR request too large") == true, "\(refusal)")
    #expect(try client.call("PING") == .simpleString("PONG"))
    let rude = try RESPClient(port: cluster.clientPort(follower))
    try rude.send(Array("*1\r\n$-5\r\n".utf8))
    #expect(try rude.receive() == .error("ERR Protocol error: invalid bulk length"))
    #expect(throws: (any Error).self) { try rude.receive() }

    // Every node reads every write.
    for id in 1...3 { try expectAll(acknowledged, on: cluster.clientPort(id)) }

    // Kill the leader; keep writing through the survivors.
    cluster.kill9(leader)
    let survivors = [1, 2, 3].filter { $0 != leader }
    for i in 0..<10 {
      let port = cluster.clientPort(survivors[i % 2])
      let reply = try callRetrying(port: port, ["SET", "after\(i)", "v\(i)"])
      #expect(reply == .ok)
      if reply == .ok { acknowledged["after\(i)"] = "v\(i)" }
    }

    // Restart it: it catches up, and every acknowledged write is on every node. A read goes
    // through the leader's log, so also check that each node's own replica applied everything
    // committed when the last write was acknowledged.
    let newLeader = try cluster.waitForLeader(among: survivors)
    let committed = try #require(cluster.info(newLeader)?["commit_index"].flatMap { Int($0) })
    try cluster.start(leader)
    _ = try callRetrying(port: cluster.clientPort(leader), ["PING"])
    for id in 1...3 {
      let deadline = ContinuousClock.now + .seconds(10)
      var applied = 0
      while applied < committed && ContinuousClock.now < deadline {
        applied = cluster.info(id)?["last_applied"].flatMap { Int($0) } ?? 0
        if applied < committed { Thread.sleep(forTimeInterval: 0.05) }
      }
      #expect(applied >= committed, "node \(id) applied \(applied) of \(committed)")
    }
    for id in 1...3 { try expectAll(acknowledged, on: cluster.clientPort(id)) }
  }

  private func expectAll(_ expected: [String: String], on port: UInt16) throws {
    for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
      let reply = try callRetrying(port: port, ["GET", key])
      #expect(reply == .bulk(value), "GET \(key) on port \(port)")
    }
  }
}
