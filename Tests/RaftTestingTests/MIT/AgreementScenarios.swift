import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2B: log agreement under failures.
  ///
  /// The lab's indexes count from its first command; ours start with the leader's no-op, so
  /// where the lab checks an index we check what precedes the entry in the log.
  @Suite("2B: agreement") struct AgreementScenarios {
    @Test("basic agreement", arguments: [1, 2, 3] as [UInt64])
    func basicAgreement(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      // The first leader's no-op takes index 1.
      for expected in [2, 3, 4] as [LogIndex] {
        let (count, _) = try cluster.nCommitted(expected)
        #expect(count == 0, "some have committed before Start(); \(cluster.context)")
        let index = try cluster.one(Int(expected.rawValue) * 100, cluster.servers, retry: false)
        #expect(index == expected, "got index \(index) but expected \(expected); \(cluster.context)")
      }
    }

    @Test("test progressive failure of followers", arguments: [1, 2, 3] as [UInt64])
    func followerFailure(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      try cluster.one(101, servers, retry: false)

      // One follower goes away: the other two still agree.
      let leader1 = try cluster.checkOneLeader()
      cluster.disconnect((leader1 + 1) % servers)
      try cluster.one(102, servers - 1, retry: false)
      try cluster.sleep(milliseconds: LabTiming.electionTimeout)
      try cluster.one(103, servers - 1, retry: false)

      // The last follower goes away: the leader still takes a command but cannot commit it.
      let leader2 = try cluster.checkOneLeader()
      cluster.disconnect((leader2 + 1) % servers)
      cluster.disconnect((leader2 + 2) % servers)
      let (index, _, ok) = cluster.start(leader2, 104)
      #expect(ok, "leader rejected Start(); \(cluster.context)")
      #expect(cluster.commandsInLog(of: leader2) == [101, 102, 103, 104], cluster.context)
      try cluster.sleep(milliseconds: 2 * LabTiming.electionTimeout)
      let (count, _) = try cluster.nCommitted(index)
      #expect(count == 0, "\(count) committed but no majority; \(cluster.context)")
    }

    @Test("test failure of leaders", arguments: [1, 2, 3] as [UInt64])
    func leaderFailure(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      try cluster.one(101, servers, retry: false)

      // The leader goes away: the other two elect one and agree.
      let leader1 = try cluster.checkOneLeader()
      cluster.disconnect(leader1)
      try cluster.one(102, servers - 1, retry: false)
      try cluster.sleep(milliseconds: LabTiming.electionTimeout)
      try cluster.one(103, servers - 1, retry: false)

      // The new leader goes away too: whoever takes the command, it cannot commit.
      let leader2 = try cluster.checkOneLeader()
      cluster.disconnect(leader2)
      for server in cluster.allServers { _ = cluster.start(server, 104) }
      try cluster.sleep(milliseconds: 2 * LabTiming.electionTimeout)
      #expect(!cluster.anyoneApplied(104), "104 committed but no majority; \(cluster.context)")
    }

    @Test("agreement despite follower disconnection", arguments: [1, 2, 3] as [UInt64])
    func failAgree(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      try cluster.one(101, servers, retry: false)

      let leader = try cluster.checkOneLeader()
      cluster.disconnect((leader + 1) % servers)
      try cluster.one(102, servers - 1, retry: false)
      try cluster.one(103, servers - 1, retry: false)
      try cluster.sleep(milliseconds: LabTiming.electionTimeout)
      try cluster.one(104, servers - 1, retry: false)
      try cluster.one(105, servers - 1, retry: false)

      // The follower returns and catches up.
      cluster.connect((leader + 1) % servers)
      try cluster.one(106, servers, retry: true)
      try cluster.sleep(milliseconds: LabTiming.electionTimeout)
      try cluster.one(107, servers, retry: true)
    }

    @Test("no agreement if too many followers disconnect", arguments: [1, 2, 3] as [UInt64])
    func failNoAgree(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 5, seed: seed)
      let servers = cluster.servers
      try cluster.one(10, servers, retry: false)

      // Three of five go away: the leader takes a command but cannot commit it.
      let leader = try cluster.checkOneLeader()
      for offset in 1...3 { cluster.disconnect((leader + offset) % servers) }
      let (index, _, ok) = cluster.start(leader, 20)
      #expect(ok, "leader rejected Start(); \(cluster.context)")
      #expect(cluster.commandsInLog(of: leader) == [10, 20], cluster.context)
      try cluster.sleep(milliseconds: 2 * LabTiming.electionTimeout)
      let (count, _) = try cluster.nCommitted(index)
      #expect(count == 0, "\(count) committed but no majority; \(cluster.context)")

      // Repair: the uncommitted 20 may survive or be overwritten, nothing else.
      for offset in 1...3 { cluster.connect((leader + offset) % servers) }
      let leader2 = try cluster.checkOneLeader()
      let (_, _, ok2) = cluster.start(leader2, 30)
      #expect(ok2, "leader2 rejected Start(); \(cluster.context)")
      let log = cluster.commandsInLog(of: leader2)
      #expect(log == [10, 30] || log == [10, 20, 30], "unexpected log \(log); \(cluster.context)")
      try cluster.one(1_000, servers, retry: true)
    }

    @Test("concurrent Start()s", arguments: [1, 2, 3] as [UInt64])
    func concurrentStarts(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      var success = false
      attempts: for attempt in 0..<5 {
        // Give the solution some time to settle.
        if attempt > 0 { try cluster.sleep(milliseconds: 3_000) }
        let leader = try cluster.checkOneLeader()
        let (_, term, ok) = cluster.start(leader, 1)
        guard ok else { continue }

        // Five clients start commands at the same instant.
        var indexes: [LogIndex] = []
        for command in 100..<105 {
          let (index, commandTerm, accepted) = cluster.start(leader, command)
          guard accepted, commandTerm == term else { continue }
          indexes.append(index)
        }
        for server in cluster.allServers where cluster.simulation.term(of: cluster.node(server)) != term {
          continue attempts  // the term changed: cannot expect low RPC counts
        }
        var committed: [Int] = []
        for index in indexes {
          guard let command = try cluster.wait(index, cluster.servers, startTerm: term) else {
            continue attempts  // peers have moved on to later terms
          }
          committed.append(command)
        }
        for command in 100..<105 {
          #expect(committed.contains(command), "cmd \(command) missing in \(committed); \(cluster.context)")
        }
        success = true
        break
      }
      #expect(success, "term changed too often; \(cluster.context)")
    }

    @Test("rejoin of partitioned leader", arguments: [1, 2, 3] as [UInt64])
    func rejoin(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      try cluster.one(101, cluster.servers, retry: true)

      // The leader is cut off and takes commands it can never commit.
      let leader1 = try cluster.checkOneLeader()
      cluster.disconnect(leader1)
      for command in [102, 103, 104] { _ = cluster.start(leader1, command) }

      // A new leader commits at the same indexes.
      try cluster.one(103, 2, retry: true)

      // The new leader is cut off; the old one returns and must give up its entries.
      let leader2 = try cluster.checkOneLeader()
      cluster.disconnect(leader2)
      cluster.connect(leader1)
      try cluster.one(104, 2, retry: true)

      // All together now.
      cluster.connect(leader2)
      try cluster.one(105, cluster.servers, retry: true)
      #expect(!cluster.anyoneApplied(102), "a partitioned leader's entry committed; \(cluster.context)")
    }
  }
}
