import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2B, "leader backs up quickly over incorrect follower logs": followers hold
  /// fifty entries the new leader does not, of an older term or of the same term, and the
  /// leader must find where their logs diverge.
  @Suite("2B: backup") struct BackupScenarios {
    static let strategies: [any LogBacktracking] = [DecrementBacktracking(), ConflictHintBacktracking()]

    /// Probe round trips the leaders needed over the whole scenario.
    struct CatchUpCost {
      var catchUps = 0
      var roundTrips = 0
    }

    /// The lab's `TestBackup2B`, with `backtracking` on every node.
    static func backup(seed: UInt64, backtracking: any LogBacktracking) throws -> CatchUpCost {
      let cluster = try LabCluster(servers: 5, seed: seed, backtracking: backtracking)
      let servers = cluster.servers
      try cluster.one(cluster.randomCommand(), servers, retry: true)

      // Put the leader and one follower in a partition; they take fifty commands they cannot
      // commit.
      let leader1 = try cluster.checkOneLeader()
      for offset in 2...4 { cluster.disconnect((leader1 + offset) % servers) }
      for _ in 0..<50 { _ = cluster.start(leader1, cluster.randomCommand()) }
      try cluster.sleep(milliseconds: LabTiming.electionTimeout / 2)
      cluster.disconnect(leader1)
      cluster.disconnect((leader1 + 1) % servers)

      // The other partition elects a leader and commits fifty commands.
      for offset in 2...4 { cluster.connect((leader1 + offset) % servers) }
      for _ in 0..<50 { try cluster.one(cluster.randomCommand(), 3, retry: true) }

      // Now another partitioned leader and one follower: fifty more commands that cannot commit.
      let leader2 = try cluster.checkOneLeader()
      var other = (leader1 + 2) % servers
      if leader2 == other { other = (leader2 + 1) % servers }
      cluster.disconnect(other)
      for _ in 0..<50 { _ = cluster.start(leader2, cluster.randomCommand()) }
      try cluster.sleep(milliseconds: LabTiming.electionTimeout / 2)

      // Bring back the original leader and its follower, with `other`: the newest log leads,
      // and must back up over fifty entries of an older term on two followers.
      for server in cluster.allServers { cluster.disconnect(server) }
      cluster.connect(leader1)
      cluster.connect((leader1 + 1) % servers)
      cluster.connect(other)
      for _ in 0..<50 { try cluster.one(cluster.randomCommand(), 3, retry: true) }

      // All together now: two logs with fifty extra entries to back up over.
      for server in cluster.allServers { cluster.connect(server) }
      try cluster.one(cluster.randomCommand(), servers, retry: true)
      try cluster.simulation.verifySafety()

      var cost = CatchUpCost()
      for node in cluster.simulation.nodeIDs {
        let statistics = cluster.simulation.statistics(of: node)
        cost.catchUps += statistics.catchUps
        cost.roundTrips += statistics.catchUpRoundTrips
      }
      return cost
    }

    @Test("leader backs up quickly over incorrect follower logs", arguments: strategies, [1, 2] as [UInt64])
    func backup(backtracking: any LogBacktracking, seed: UInt64) throws {
      let cost = try Self.backup(seed: seed, backtracking: backtracking)
      let context: Comment = "strategy \(backtracking.name), seed \(seed): \(cost)"
      // At least the two followers of the first partitioned leader had to be backed up, each
      // over fifty entries of an older term.
      #expect(cost.catchUps >= 2, context)
      if backtracking is DecrementBacktracking {
        #expect(cost.roundTrips >= 2 * 50, context)
      } else {
        #expect(cost.roundTrips <= 4 * cost.catchUps, context)
      }
    }

    @Test("the conflict hint backs up in far fewer round trips than one-step decrement", arguments: [1, 2] as [UInt64])
    func conflictHintBeatsDecrement(seed: UInt64) throws {
      let decrement = try Self.backup(seed: seed, backtracking: DecrementBacktracking())
      let conflictHint = try Self.backup(seed: seed, backtracking: ConflictHintBacktracking())
      print(
        "backup seed \(seed): decrement \(decrement.roundTrips) round trips in \(decrement.catchUps) catch-ups,"
          + " conflict hint \(conflictHint.roundTrips) in \(conflictHint.catchUps)")
      #expect(conflictHint.catchUps > 0, "seed \(seed)")
      #expect(
        decrement.roundTrips >= 5 * conflictHint.roundTrips,
        "decrement \(decrement.roundTrips) vs conflict hint \(conflictHint.roundTrips) round trips; seed \(seed)")
    }
  }
}
