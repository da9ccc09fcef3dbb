import Raft
import RaftTesting
import Testing

extension MIT {
  /// MIT 6.824 lab 2C: agreement while the network loses, duplicates and reorders messages,
  /// and servers crash, restart and come and go, with clients submitting all along.
  @Suite("2C: unreliable agreement and churn") struct ChurnScenarios {
    @Test("unreliable agreement", arguments: [1, 2, 3] as [UInt64])
    func unreliableAgreement(seed: UInt64) throws {
      let cluster = try LabCluster(servers: 5, seed: seed, unreliable: true)
      // Each round, four clients and the test itself submit at once; one server applying a
      // command is enough. (The lab's round waits only for its own command, letting the four
      // clients run on into the next round; here a round waits for all five.)
      for iteration in 1..<50 {
        try cluster.oneConcurrently((0..<4).map { 100 * iteration + $0 } + [iteration], 1)
      }
      cluster.setUnreliable(false)
      try cluster.one(100, cluster.servers, retry: true)
    }

    // On a reliable network the clients commit thousands of values and the run's cost varies
    // a lot with the seed (0.4 s to 7 s in a debug build, mostly MemoryStorage copying logs);
    // these two seeds keep the suite fast.
    @Test("churn", arguments: [2, 4] as [UInt64])
    func reliableChurn(seed: UInt64) throws {
      try Self.churn(seed: seed, unreliable: false)
    }

    @Test("unreliable churn", arguments: [1, 2, 3] as [UInt64])
    func unreliableChurn(seed: UInt64) throws {
      try Self.churn(seed: seed, unreliable: true)
    }

    /// Without pre-vote and check-quorum, as the lab's Raft.
    @Test("unreliable churn, without pre-vote and check-quorum", arguments: [4, 5] as [UInt64])
    func unreliableChurnLabRaft(seed: UInt64) throws {
      try Self.churn(seed: seed, unreliable: true, preVoteAndCheckQuorum: false)
    }

    /// The lab's `internalChurn`: three clients propose to every server that takes a command
    /// while servers are disconnected, reconnected, crashed and restarted at random; in the
    /// end, every value a client saw committed must be in the final log.
    static func churn(seed: UInt64, unreliable: Bool, preVoteAndCheckQuorum: Bool = true) throws {
      let cluster = try LabCluster(
        servers: 5, seed: seed, unreliable: unreliable, preVoteAndCheckQuorum: preVoteAndCheckQuorum)
      var clients = (0..<3).map { ChurnClient(number: $0) }

      func sleepWithClients(milliseconds: VirtualTime, proposing: Bool) throws {
        let end = cluster.simulation.now + milliseconds
        while cluster.simulation.now < end {
          for client in clients.indices { try clients[client].step(cluster, proposing: proposing) }
          try cluster.sleep(milliseconds: 1)
        }
      }

      for _ in 0..<20 {
        if cluster.randomBelow(1_000) < 200 { cluster.disconnect(cluster.randomServer()) }
        if cluster.randomBelow(1_000) < 500 {
          let server = cluster.randomServer()
          if !cluster.isUp(server) { try cluster.restart(server) }
          cluster.connect(server)
        }
        if cluster.randomBelow(1_000) < 200 { cluster.crash(cluster.randomServer()) }
        // 0.7 election timeouts between rounds of faults, as in the lab.
        try sleepWithClients(milliseconds: LabTiming.electionTimeout * 7 / 10, proposing: true)
      }
      try sleepWithClients(milliseconds: LabTiming.electionTimeout, proposing: true)
      cluster.setUnreliable(false)
      for server in cluster.allServers {
        if !cluster.isUp(server) { try cluster.restart(server) }
        cluster.connect(server)
      }
      // The clients stop proposing and finish watching what they proposed.
      while clients.contains(where: \.isWatching) { try sleepWithClients(milliseconds: 10, proposing: false) }
      try cluster.sleep(milliseconds: LabTiming.electionTimeout)

      let lastIndex = try cluster.one(cluster.randomCommand(), cluster.servers, retry: true)
      let committed = Set(try cluster.simulation.committedCommands(through: lastIndex).map(\.command))
      let values = clients.flatMap(\.values)
      #expect(!values.isEmpty, "no client saw a commit; \(cluster.context)")
      for value in values {
        #expect(committed.contains(bytes(value)), "didn't find a value \(value); \(cluster.context)")
      }
    }
  }
}

/// One client of the churn scenarios: proposes a random value to every server, then watches
/// the index it got for a while (10, 20, 50, 100 and 200 ms apart), and records the value if
/// that index commits it.
struct ChurnClient {
  let number: Int
  private(set) var values: [Int] = []
  private var wakeAt: VirtualTime = 0
  private var watched: (index: LogIndex, value: Int, pauses: [VirtualTime])?

  init(number: Int) { self.number = number }

  var isWatching: Bool { watched != nil }

  mutating func step(_ cluster: LabCluster, proposing: Bool) throws {
    let now = cluster.simulation.now
    guard now >= wakeAt else { return }
    if var watched {
      let (count, command) = try cluster.nCommitted(watched.index)
      if count > 0 || watched.pauses.isEmpty {
        if count > 0, command == watched.value { values.append(watched.value) }
        self.watched = nil
        wakeAt = now
      } else {
        wakeAt = now + watched.pauses.removeFirst()
        self.watched = watched
      }
      return
    }
    guard proposing else { return }
    let value = cluster.randomCommand()
    var accepted: LogIndex?
    for server in cluster.allServers where cluster.isUp(server) {
      let (index, _, ok) = cluster.start(server, value)
      if ok { accepted = index }
    }
    if let accepted {
      watched = (accepted, value, [10, 20, 50, 100, 200])
      wakeAt = now
    } else {
      wakeAt = now + 79 + VirtualTime(number) * 17
    }
  }
}
