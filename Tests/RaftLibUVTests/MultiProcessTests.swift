import Raft
import Testing

/// A 3-node cluster of separate `raft-testnode` processes over loopback TCP.
@Suite("Multi-process cluster")
struct MultiProcessTests {
  struct Status {
    var role: String
    var term: Int
    var leader: String

    init?(_ line: String) {
      var fields: [String: String] = [:]
      for word in line.split(separator: " ").dropFirst() {
        let parts = word.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
      }
      guard let role = fields["role"], let term = fields["term"].flatMap({ Int($0) }), let leader = fields["leader"]
      else { return nil }
      self.role = role
      self.term = term
      self.leader = leader
    }
  }

  @Test("kill -9 the leader: a new leader is elected and serves; random bytes on a peer port change nothing")
  func killLeader() async throws {
    let ids = [1, 2, 3]
    var nodes: [Int: NodeProcess] = [:]
    var ports: [Int: UInt16] = [:]
    for id in ids {
      let process = try NodeProcess(arguments: ["\(id)", "1,2,3", "multi-process"])
      nodes[id] = process
      let line = try await process.readLine()
      #expect(line.hasPrefix("listening "))
      ports[id] = UInt16(line.dropFirst("listening ".count))
    }
    defer { for node in nodes.values { node.kill9() } }
    for id in ids {
      for peer in ids where peer != id {
        #expect(try await nodes[id]!.request("peer \(peer) \(ports[peer]!)") == "ok")
      }
    }
    for id in ids { #expect(try await nodes[id]!.request("start") == "ok") }

    let first = try await ProcessClusterProbe.leader(among: ids, nodes)
    #expect(try await ProcessClusterProbe.propose("one", among: ids, nodes).hasSuffix(":one"))

    nodes[first]!.kill9()
    let survivors = ids.filter { $0 != first }
    let second = try await ProcessClusterProbe.leader(among: survivors, nodes)
    #expect(second != first)
    #expect(try await ProcessClusterProbe.propose("two", among: survivors, nodes).hasSuffix(":two"))

    // Garbage on every surviving peer port.
    var random = SeededGenerator(seed: 0xF00D)
    print("MultiProcessTests.killLeader garbage seed=0xF00D")
    for id in survivors {
      let socket = try BlockingSocket(connectingTo: ports[id]!)
      try? socket.write((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) })
      socket.close()
    }
    #expect(try await ProcessClusterProbe.propose("three", among: survivors, nodes).hasSuffix(":three"))
    for id in survivors { #expect(try await nodes[id]!.request("stop") == "ok") }
  }
}
