import Testing

@testable import Raft

@Test func threeNodesElectALeaderAndCommit() throws {
  var engines = try (1...3).map { i in
    RaftEngine(configuration: try NodeConfiguration(id: NodeID(UInt64(i)), members: [1, 2, 3]), seed: UInt64(i))
  }
  var inbox: [Message] = []
  func pump() {
    for _ in 0..<50 {
      for i in engines.indices {
        let ready = engines[i].ready()
        if let p = ready.persistence { engines[i].acknowledgePersisted(through: p.id) }
        inbox += ready.messages
        inbox += engines[i].ready().messages
      }
      let batch = inbox
      inbox = []
      for m in batch { engines[Int(m.to.rawValue) - 1].step(m) }
    }
  }
  engines[0].campaign()
  pump()
  #expect(engines[0].role == .leader)
  try engines[0].propose(Array("x".utf8))
  pump()
  #expect(engines.allSatisfy { $0.commitIndex == 2 })
}
