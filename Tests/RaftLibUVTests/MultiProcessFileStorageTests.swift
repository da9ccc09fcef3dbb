import Foundation
import Raft
import Testing

/// Three `raft-testnode` processes over loopback TCP, each with a FileStorage in its own
/// directory: a killed leader comes back from its files and catches up.
@Suite("Multi-process cluster over file storage")
struct MultiProcessFileStorageTests {
  @Test("kill -9 the leader: a new leader serves; the old one restarts from its files and applies the same commands")
  func killLeaderAndRestart() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "raft-multiprocess-\(UInt64.random(in: 0...UInt64.max))"
    ).path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let ids = [1, 2, 3]
    var nodes: [Int: NodeProcess] = [:]
    var ports: [Int: UInt16] = [:]
    defer { for node in nodes.values { node.kill9() } }

    func launch(_ id: Int) async throws {
      let process = try NodeProcess(arguments: ["\(id)", "1,2,3", "multi-process-file", "10", "\(root)/node-\(id)"])
      nodes[id] = process
      let line = try await process.readLine()
      #expect(line.hasPrefix("listening "), "node \(id): \(line)")
      ports[id] = UInt16(line.dropFirst("listening ".count))
    }
    for id in ids { try await launch(id) }
    for id in ids {
      for peer in ids where peer != id {
        #expect(try await nodes[id]!.request("peer \(peer) \(ports[peer]!)") == "ok")
      }
      #expect(try await nodes[id]!.request("record") == "ok")
    }
    for id in ids { #expect(try await nodes[id]!.request("start") == "ok") }

    let first = try await ProcessClusterProbe.leader(among: ids, nodes)
    for text in ["one", "two", "three"] {
      #expect(try await ProcessClusterProbe.propose(text, among: ids, nodes).hasSuffix(":\(text)"))
    }

    let termBeforeKill = try #require(MultiProcessTests.Status(try await nodes[first]!.request("status"))).term
    nodes[first]!.kill9()
    let survivors = ids.filter { $0 != first }
    let second = try await ProcessClusterProbe.leader(among: survivors, nodes)
    #expect(second != first)
    for text in ["four", "five"] {
      #expect(try await ProcessClusterProbe.propose(text, among: survivors, nodes).hasSuffix(":\(text)"))
    }

    // The old leader comes back on a new port from the same directory. Until the survivors learn
    // that port nothing reaches it, so the term it reports is the one it read from its files.
    try await launch(first)
    for peer in survivors { #expect(try await nodes[first]!.request("peer \(peer) \(ports[peer]!)") == "ok") }
    #expect(try await nodes[first]!.request("record") == "ok")
    #expect(try await nodes[first]!.request("start") == "ok")
    let recovered = try #require(MultiProcessTests.Status(try await nodes[first]!.request("status")))
    #expect(recovered.term >= termBeforeKill, "the restarted node lost its term: \(recovered.term) < \(termBeforeKill)")
    for peer in survivors { #expect(try await nodes[peer]!.request("peer \(first) \(ports[first]!)") == "ok") }
    #expect(try await ProcessClusterProbe.propose("six", among: survivors, nodes).hasSuffix(":six"))

    // A proposal answered with an error may still have committed, so the check is that every
    // node applied the same sequence and that it holds every acknowledged command in order.
    var applied: [Int: String] = [:]
    try await waitUntil("every node applied the same commands, six included") {
      for id in ids { applied[id] = try await nodes[id]!.request("applied") }
      return Set(applied.values).count == 1 && applied[first]!.hasSuffix("six")
    }
    let commands = applied[first]!.dropFirst("applied ".count).split(separator: "|").map(String.init)
    let acknowledged = ["one", "two", "three", "four", "five", "six"]
    #expect(
      commands.filter { acknowledged.contains($0) }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        == acknowledged)
    for id in ids { #expect(applied[id] == applied[first], "node \(id)") }
    for id in ids { #expect(try await nodes[id]!.request("stop") == "ok") }
  }
}
