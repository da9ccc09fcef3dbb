import Foundation
import RESP
import Testing

/// Three `raft-lock` processes and two competing clients.
@Suite(.serialized)
struct LockEndToEndTests {
  @Test func fencingTokensIncreaseAndExpiredLocksPassOn() throws {
    guard let executable = ServerProcess.executable("raft-lock") else {
      Issue.record("raft-lock is not built next to the test runner; run `swift build` first")
      return
    }
    let cluster = try ProcessCluster(executable: executable, name: "raft-lock")
    let leader = try cluster.waitForLeader()
    let follower = [1, 2, 3].first { $0 != leader }!
    let alice = try RESPClient(port: cluster.clientPort(leader))
    let bob = try RESPClient(port: cluster.clientPort(follower))

    var tokens: [Int64] = []
    func grant(_ reply: RESPValue) -> Int64? {
      guard case .integer(let token) = reply else { return nil }
      tokens.append(token)
      return token
    }

    // Alice holds the lock; Bob is refused until her short lease expires.
    #expect(grant(try alice.call("LOCK", "printer", "alice", "400")) != nil)
    #expect(try bob.call("LOCK", "printer", "bob", "60000") == .null)
    #expect(try bob.call("OWNER", "printer") == .bulk("alice"))
    #expect(try bob.call("UNLOCK", "printer", "bob") == .integer(0))
    Thread.sleep(forTimeInterval: 0.6)
    #expect(grant(try bob.call("LOCK", "printer", "bob", "60000")) != nil, "the expired lock goes to bob")
    #expect(try alice.call("OWNER", "printer") == .bulk("bob"))
    #expect(try alice.call("UNLOCK", "printer", "alice") == .integer(0), "alice's lease is gone")
    #expect(try bob.call("UNLOCK", "printer", "bob") == .integer(1))
    #expect(try alice.call("OWNER", "printer") == .null)

    // The two compete for another lock, each releasing what it got.
    for round in 0..<10 {
      let (first, second, firstName, secondName) =
        round.isMultiple(of: 2) ? (alice, bob, "alice", "bob") : (bob, alice, "bob", "alice")
      #expect(grant(try first.call("LOCK", "queue", firstName, "60000")) != nil)
      #expect(try second.call("LOCK", "queue", secondName, "60000") == .null)
      #expect(try first.call("UNLOCK", "queue", firstName) == .integer(1))
    }
    #expect(try alice.call("LOCK", "queue", "alice", "abc") == .error("ERR value is not an integer or out of range"))
    #expect(try alice.call("LOCK", "queue") == .error("ERR wrong number of arguments for 'lock' command"))

    // Through a leader crash, grants keep increasing.
    cluster.kill9(leader)
    let survivor = [1, 2, 3].first { $0 != leader }!
    let reply = try callRetrying(port: cluster.clientPort(survivor), ["LOCK", "printer", "carol", "1000"])
    #expect(grant(reply) != nil)
    #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "tokens strictly increase: \(tokens)")
    #expect(tokens.count == 13)
  }
}
