import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2B: the traffic a solution needs. The lab counts RPCs (requests); we count
  /// the requests the engines sent (``TrafficCounters/requests``) and estimate bytes with
  /// ``TrafficCounters/estimatedBytes(of:)``.
  @Suite("2B: RPC counts") struct RPCCountScenarios {
    @Test("RPC byte count", arguments: [1, 2, 3] as [UInt64])
    func rpcBytes(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      var previous = try cluster.one(99, servers, retry: false)
      let bytes0 = cluster.bytesTotal

      // Each 5000-byte command should travel to each follower about once.
      var sent = 0
      for _ in 0..<10 {
        let command = (0..<5_000).map { _ in UInt8.random(in: 97...122, using: &cluster.random) }
        let index = try cluster.simulation.submit(command, expectedNodes: servers, retry: false)
        #expect(index == previous + 1, "got index \(index) but expected \(previous + 1); \(cluster.context)")
        previous = index
        sent += command.count
      }
      let got = cluster.bytesTotal - bytes0
      let expected = servers * sent
      #expect(got <= expected + 50_000, "too many RPC bytes; got \(got), expected \(expected); \(cluster.context)")
    }

    @Test("RPC counts aren't too high", arguments: [1, 2, 3] as [UInt64])
    func rpcCounts(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      try cluster.checkOneLeader()
      let electionRPCs = cluster.rpcTotal
      #expect((1...30).contains(electionRPCs), "\(electionRPCs) RPCs to elect a leader; \(cluster.context)")

      var success = false
      var total2 = 0
      attempts: for attempt in 0..<5 {
        if attempt > 0 { try cluster.sleep(milliseconds: 3_000) }  // give the cluster time to settle
        let leader = try cluster.checkOneLeader()
        let total1 = cluster.rpcTotal
        let iterations = 10
        let (startIndex, term, ok) = cluster.start(leader, 1)
        guard ok else { continue }  // the leader moved on quickly
        var commands: [Int] = []
        for offset in 1...iterations {
          let command = cluster.randomCommand()
          commands.append(command)
          let (index, commandTerm, accepted) = cluster.start(leader, command)
          guard commandTerm == term, accepted else { continue attempts }
          #expect(index == startIndex + UInt64(offset), "Start() failed; \(cluster.context)")
        }
        for offset in 1...iterations {
          guard let command = try cluster.wait(startIndex + UInt64(offset), servers, startTerm: term) else {
            continue attempts  // the term changed while waiting
          }
          #expect(command == commands[offset - 1], "wrong value committed; \(cluster.context)")
        }
        for server in cluster.allServers where cluster.simulation.term(of: cluster.node(server)) != term {
          continue attempts  // the term changed: cannot expect low RPC counts
        }
        total2 = cluster.rpcTotal
        let used = total2 - total1
        #expect(
          used <= (iterations + 1 + 3) * 3, "too many RPCs (\(used)) for \(iterations) entries; \(cluster.context)")
        success = true
        break
      }
      #expect(success, "term changed too often; \(cluster.context)")

      try cluster.sleep(milliseconds: LabTiming.electionTimeout)
      let idle = cluster.rpcTotal - total2
      #expect(idle <= 3 * 20, "too many RPCs (\(idle)) for 1 second of idleness; \(cluster.context)")
    }
  }
}
