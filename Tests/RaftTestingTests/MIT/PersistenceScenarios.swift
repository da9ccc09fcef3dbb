import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2C: servers crash and restart from what they made durable. The lab's
  /// `crash1` keeps what the server persisted; ours keeps only what an fsync made durable.
  @Suite("2C: persistence") struct PersistenceScenarios {
    @Test("basic persistence", arguments: [1, 2, 3] as [UInt64])
    func persist1(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      try cluster.one(11, servers, retry: true)

      // Crash and restart every server.
      for server in cluster.allServers { try cluster.restart(server) }
      for server in cluster.allServers {
        cluster.disconnect(server)
        cluster.connect(server)
      }
      try cluster.one(12, servers, retry: true)

      // The leader restarts while cut off.
      let leader1 = try cluster.checkOneLeader()
      cluster.disconnect(leader1)
      try cluster.restart(leader1)
      cluster.connect(leader1)
      try cluster.one(13, servers, retry: true)

      // The new leader misses a command while down.
      let leader2 = try cluster.checkOneLeader()
      cluster.disconnect(leader2)
      let index14 = try cluster.one(14, servers - 1, retry: true)
      try cluster.restart(leader2)
      cluster.connect(leader2)
      // Wait for it to catch up before killing a follower.
      #expect(try cluster.wait(index14, servers, startTerm: nil) == 14, cluster.context)

      let follower = (try cluster.checkOneLeader() + 1) % servers
      cluster.disconnect(follower)
      try cluster.one(15, servers - 1, retry: true)
      try cluster.restart(follower)
      cluster.connect(follower)
      try cluster.one(16, servers, retry: true)
    }

    @Test("more persistence", arguments: [1, 2] as [UInt64])
    func persist2(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 5, seed: seed)
      let servers = cluster.servers
      var command = 11
      for _ in 0..<5 {
        try cluster.one(command, servers, retry: true)
        command += 1

        let leader1 = try cluster.checkOneLeader()
        cluster.disconnect((leader1 + 1) % servers)
        cluster.disconnect((leader1 + 2) % servers)
        try cluster.one(command, servers - 2, retry: true)
        command += 1

        // The three that committed go away; the two that missed it restart, so they cannot
        // form a majority until one of the three returns.
        cluster.disconnect(leader1)
        cluster.disconnect((leader1 + 3) % servers)
        cluster.disconnect((leader1 + 4) % servers)
        try cluster.restart((leader1 + 1) % servers)
        try cluster.restart((leader1 + 2) % servers)
        cluster.connect((leader1 + 1) % servers)
        cluster.connect((leader1 + 2) % servers)
        try cluster.sleep(milliseconds: LabTiming.electionTimeout)

        try cluster.restart((leader1 + 3) % servers)
        cluster.connect((leader1 + 3) % servers)
        try cluster.one(command, servers - 2, retry: true)
        command += 1

        cluster.connect((leader1 + 4) % servers)
        cluster.connect(leader1)
      }
      try cluster.one(1_000, servers, retry: true)
    }

    @Test("partitioned leader and one follower crash, leader restarts", arguments: [1, 2, 3] as [UInt64])
    func persist3(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      try cluster.one(101, 3, retry: true)

      let leader = try cluster.checkOneLeader()
      cluster.disconnect((leader + 2) % 3)
      try cluster.one(102, 2, retry: true)

      // Both that hold 102 crash; the one that missed it returns with the old leader.
      cluster.crash(leader)
      cluster.crash((leader + 1) % 3)
      cluster.connect((leader + 2) % 3)
      try cluster.restart(leader)
      cluster.connect(leader)
      try cluster.one(103, 2, retry: true)

      try cluster.restart((leader + 1) % 3)
      cluster.connect((leader + 1) % 3)
      try cluster.one(104, 3, retry: true)
      #expect(
        cluster.simulation.appliedCommands(on: cluster.node(leader)).map { integer($0.command) } == [
          101, 102, 103, 104,
        ], cluster.context)
    }
  }
}
