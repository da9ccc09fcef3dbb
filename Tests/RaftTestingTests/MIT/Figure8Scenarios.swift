import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2C, Figure 8 of the Raft paper: leaders come and go quickly, leaving
  /// uncommitted entries of many terms behind; no leader may commit an entry of an old term by
  /// counting replicas, and the cluster must still agree in the end.
  @Suite("2C: Figure 8") struct Figure8Scenarios {
    /// A random pause: usually under 13 ms, one time in ten up to half an election timeout.
    static func randomPause(_ cluster: LabCluster) -> VirtualTime {
      let long = cluster.randomBelow(1_000) < 100
      return VirtualTime(cluster.randomBelow(long ? Int(LabTiming.electionTimeout / 2) : 13))
    }

    @Test("Figure 8", arguments: [1, 2, 3] as [UInt64])
    func figure8(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 5, seed: seed)
      let servers = cluster.servers
      try cluster.one(cluster.randomCommand(), 1, retry: true)

      var up = servers
      for _ in 0..<1_000 {
        var leader: Int?
        for server in cluster.allServers where cluster.isUp(server) {
          if cluster.start(server, cluster.randomCommand()).isLeader { leader = server }
        }
        try cluster.sleep(milliseconds: Self.randomPause(cluster))

        // The leader crashes soon after taking a command, often before it commits.
        if let leader {
          cluster.crash(leader)
          up -= 1
        }
        if up < 3 {
          let server = cluster.randomServer()
          if !cluster.isUp(server) {
            try cluster.restart(server)
            up += 1
          }
        }
      }
      for server in cluster.allServers where !cluster.isUp(server) { try cluster.restart(server) }
      try cluster.one(cluster.randomCommand(), servers, retry: true)
      try cluster.simulation.healAndVerify()
    }

    @Test("Figure 8 (unreliable)", arguments: [1, 2, 3] as [UInt64])
    func figure8Unreliable(seed: UInt64) throws {
      try Self.figure8Unreliable(seed: seed, preVoteAndCheckQuorum: true)
    }

    /// Without pre-vote and check-quorum, as the lab's Raft: isolated servers inflate their
    /// terms and depose leaders when they return.
    @Test("Figure 8 (unreliable), without pre-vote and check-quorum", arguments: [4, 5] as [UInt64])
    func figure8UnreliableLabRaft(seed: UInt64) throws {
      try Self.figure8Unreliable(seed: seed, preVoteAndCheckQuorum: false)
    }

    static func figure8Unreliable(seed: UInt64, preVoteAndCheckQuorum: Bool) throws {
      let cluster = try LabCluster(
        servers: 5, seed: seed, unreliable: true, preVoteAndCheckQuorum: preVoteAndCheckQuorum)
      let servers = cluster.servers
      try cluster.one(cluster.randomBelow(10_000), 1, retry: true)

      var connected = servers
      for iteration in 0..<1_000 {
        if iteration == 200 { cluster.setLongReordering() }
        var leader: Int?
        for server in cluster.allServers {
          if cluster.start(server, cluster.randomBelow(10_000)).isLeader && cluster.isConnected(server) {
            leader = server
          }
        }
        try cluster.sleep(milliseconds: randomPause(cluster))

        // Half the time, the leader is cut off soon after taking a command.
        if let leader, cluster.randomBelow(1_000) < Int(LabTiming.electionTimeout / 2) {
          cluster.disconnect(leader)
          connected -= 1
        }
        if connected < 3 {
          let server = cluster.randomServer()
          if !cluster.isConnected(server) {
            cluster.connect(server)
            connected += 1
          }
        }
      }
      for server in cluster.allServers { cluster.connect(server) }
      try cluster.one(cluster.randomBelow(10_000), servers, retry: true)
      try cluster.simulation.healAndVerify()
    }
  }
}
