import Raft
import RaftTesting
import Testing

/// MIT 6.824 lab 2A: leader election.
extension MIT {
  @Suite("2A: elections") struct ElectionScenarios {
    @Test("initial election", arguments: [1, 2, 3] as [UInt64])
    func initialElection(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      try cluster.checkOneLeader()

      // Everyone agrees on the term at once, and it stays put while nothing fails.
      try cluster.sleep(milliseconds: 50)
      let term1 = try cluster.checkTerms()
      #expect(term1 >= 1, cluster.context)
      try cluster.sleep(milliseconds: 2 * LabTiming.electionTimeout)
      let term2 = try cluster.checkTerms()
      #expect(term1 == term2, "the term changed without failures; \(cluster.context)")
      try cluster.checkOneLeader()
    }

    @Test("re-election", arguments: [1, 2, 3] as [UInt64])
    func reElection(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 3, seed: seed)
      let servers = cluster.servers
      let leader1 = try cluster.checkOneLeader()

      // The leader goes away: a new one takes over.
      cluster.disconnect(leader1)
      try cluster.checkOneLeader()

      // The old leader's return must not disturb the new one.
      cluster.connect(leader1)
      let leader2 = try cluster.checkOneLeader()

      // No quorum, no leader.
      cluster.disconnect(leader2)
      cluster.disconnect((leader2 + 1) % servers)
      try cluster.sleep(milliseconds: 2 * LabTiming.electionTimeout)
      try cluster.checkNoLeader()

      // A quorum again elects one.
      cluster.connect((leader2 + 1) % servers)
      try cluster.checkOneLeader()

      // And the last node's return does not disturb it.
      cluster.connect(leader2)
      try cluster.checkOneLeader()
    }

    @Test("many elections", arguments: [1, 2] as [UInt64])
    func manyElections(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 7, seed: seed)
      try cluster.checkOneLeader()
      for _ in 0..<10 {
        // Three random servers go away (perhaps fewer, if a pick repeats); four or more remain,
        // a quorum of seven, so either the old leader stays or a new one is elected.
        let gone = (0..<3).map { _ in cluster.randomServer() }
        for server in gone { cluster.disconnect(server) }
        try cluster.checkOneLeader()
        for server in gone { cluster.connect(server) }
      }
      try cluster.checkOneLeader()
    }
  }
}
