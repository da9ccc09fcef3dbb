import Testing

@Suite struct ClusterPlanTests {
  @Test func defaultsGiveThreeNodesOnDeterministicLoopbackPorts() throws {
    let plan = try #require(try ClusterPlan.parse(["raft-kv"]))
    #expect(plan.product == "raft-kv")
    #expect(plan.nodes.map(\.id) == [1, 2, 3])
    #expect(plan.nodes.map(\.clientPort) == [6379, 6380, 6381])
    #expect(plan.nodes.map(\.peerPort) == [7001, 7002, 7003])
    #expect(plan.nodes[1].dataDirectory == ".build/local-cluster/raft-kv/node2")
    #expect(plan.nodes[1].logFile == ".build/local-cluster/raft-kv/node2.log")
    #expect(
      plan.nodes[1].arguments == [
        "--id", "2", "--listen", "127.0.0.1:7002", "--client", "127.0.0.1:6380",
        "--peer", "1=127.0.0.1:7001", "--peer", "3=127.0.0.1:7003",
        "--storage", "file", "--data-dir", ".build/local-cluster/raft-kv/node2",
      ])
  }

  @Test func optionsChangeSizePortsStorageAndPassThroughFlags() throws {
    let plan = try #require(
      try ClusterPlan.parse([
        "--nodes", "5", "raft-lock", "--client-port", "7500", "--peer-port", "8000", "--storage", "memory",
        "--backtracking", "decrement", "--release", "--", "--verbose",
      ]))
    #expect(plan.product == "raft-lock")
    #expect(plan.release)
    #expect(plan.nodes.map(\.clientPort) == [7500, 7501, 7502, 7503, 7504])
    #expect(plan.nodes.map(\.peerPort) == [8000, 8001, 8002, 8003, 8004])
    let last = plan.nodes[4].arguments
    #expect(!last.contains("--data-dir"))
    #expect(Array(last.suffix(5)) == ["--storage", "memory", "--backtracking", "decrement", "--verbose"])
    #expect(last.filter { $0 == "--peer" }.count == 4)
  }

  @Test func helpReturnsNoPlan() throws {
    #expect(try ClusterPlan.parse(["raft-kv", "--help"]) == nil)
  }

  @Test(arguments: [
    (["--nodes", "3"], ClusterPlan.ParseError.missingProduct),
    (
      ["raft-kv", "--nodes", "0"], .invalidValue(option: "--nodes", value: "0", expected: "a cluster size from 1 to 9")
    ),
    (["raft-kv", "--nodes"], .missingValue(option: "--nodes")),
    (["raft-kv", "--frobnicate"], .unknownOption("--frobnicate")),
    (["raft-kv", "raft-lock"], .unexpectedArgument("raft-lock")),
    (["raft-kv", "--storage", "disk"], .invalidValue(option: "--storage", value: "disk", expected: "file or memory")),
    (["raft-kv", "--client-port", "65534"], .portOutOfRange(65536)),
  ])
  func badArgumentsAreReportedWithoutCrashing(arguments: [String], expected: ClusterPlan.ParseError) {
    #expect(throws: expected) { try ClusterPlan.parse(arguments) }
    #expect(!expected.description.isEmpty)
  }
}
