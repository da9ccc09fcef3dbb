import Counter
import ExampleSupport
import KeyValueStore
import LockService
import RESP
import Raft
import Testing

/// Runs one command through a state machine and decodes its reply.
private func run<M: StateMachine>(
  _ machine: inout M, _ arguments: String..., client: UInt64 = 0, sequence: UInt64 = 0, at time: UInt64 = 0
) throws -> RESPValue {
  let entry = ServiceEntry(
    timestampMilliseconds: time, clientID: client, sequence: sequence, arguments: arguments.map { Array($0.utf8) })
  var decoder = RESPValueDecoder()
  decoder.append(machine.apply(entry.encoded, at: 1))
  return try #require(try decoder.next())
}

struct ServiceEntryTests {
  @Test func roundTripsAndRejectsGarbage() {
    let entry = ServiceEntry(timestampMilliseconds: 1_700_000_000_123, clientID: 7, sequence: 9, "SET", "k", "v\r\n")
    #expect(ServiceEntry(decoding: entry.encoded) == entry)
    #expect(ServiceEntry(decoding: Array("heal-check".utf8)) == nil)
    #expect(ServiceEntry(decoding: []) == nil)
  }
}

struct KeyValueStoreTests {
  @Test func commandsBehaveAsTheIssueSays() throws {
    var store = KeyValueStore()
    #expect(try run(&store, "GET", "k") == .null)
    #expect(try run(&store, "SET", "k", "v") == .ok)
    #expect(try run(&store, "GET", "k") == .bulk("v"))
    #expect(try run(&store, "CAS", "k", "wrong", "x") == .integer(0))
    #expect(try run(&store, "CAS", "k", "v", "w") == .integer(1))
    #expect(try run(&store, "CAS", "missing", "", "x") == .integer(0), "a missing key never matches")
    #expect(try run(&store, "INCR", "n") == .integer(1))
    #expect(try run(&store, "INCR", "n") == .integer(2))
    #expect(try run(&store, "INCR", "k") == .error("ERR value is not an integer or out of range"))
    #expect(try run(&store, "SET", "big", "9223372036854775807") == .ok)
    #expect(try run(&store, "INCR", "big") == .error("ERR value is not an integer or out of range"))
    #expect(try run(&store, "DEL", "k", "n", "k", "none") == .integer(2))
    #expect(try run(&store, "GET", "n") == .null)
    #expect(try run(&store, "FLY") == .error("ERR unknown command 'FLY'"))
  }

  @Test func aRetriedWriteOfASessionAppliesOnce() throws {
    var store = KeyValueStore()
    #expect(try run(&store, "INCR", "n", client: 5, sequence: 1) == .integer(1))
    #expect(try run(&store, "INCR", "n", client: 5, sequence: 1) == .integer(1), "the retry gets the first answer")
    #expect(try run(&store, "INCR", "n", client: 6, sequence: 1) == .integer(2), "another session is independent")
    #expect(try run(&store, "INCR", "n", client: 5, sequence: 2) == .integer(3))
    #expect(store.values[Array("n".utf8)] == Array("3".utf8))
  }

  @Test func thePlanChecksArityBeforeAnythingReachesTheLog() {
    let service = KeyValueService()
    func plan(_ words: String...) -> CommandPlan { service.plan(words.map { Array($0.utf8) }) }
    #expect(plan("get", "k") == .read)
    #expect(plan("SET", "k", "v") == .write)
    #expect(plan("DEL", "a", "b", "c") == .write)
    #expect(plan("SET", "k") == .reply(.error("ERR wrong number of arguments for 'set' command")))
    #expect(plan("CAS", "k", "v") == .reply(.error("ERR wrong number of arguments for 'cas' command")))
    #expect(plan("HELLO") == .reply(.error("ERR unknown command 'HELLO'")))
  }
}

struct CounterTests {
  @Test func countsAndRefusesOverflow() throws {
    var counter = Counter()
    #expect(try run(&counter, "INCR") == .integer(1))
    #expect(try run(&counter, "INCRBY", "41") == .integer(42))
    #expect(try run(&counter, "DECR") == .integer(41))
    #expect(try run(&counter, "GET") == .integer(41))
    #expect(try run(&counter, "INCRBY", "9223372036854775807") == .error("ERR increment or decrement would overflow"))
    #expect(counter.value == 41)
    #expect(try run(&counter, "INCR", client: 1, sequence: 1) == .integer(42))
    #expect(try run(&counter, "INCR", client: 1, sequence: 1) == .integer(42))
    #expect(CounterService().plan([Array("INCRBY".utf8), Array("x".utf8)]) == .reply(Replies.notAnInteger))
  }
}

struct LockServiceTests {
  @Test func tokensIncreaseAndLeasesExpireOnTheLogsClock() throws {
    var locks = LockService()
    #expect(try run(&locks, "LOCK", "a", "alice", "100", at: 1_000) == .integer(1))
    #expect(try run(&locks, "LOCK", "a", "bob", "100", at: 1_050) == .null)
    #expect(try run(&locks, "OWNER", "a", at: 1_099) == .bulk("alice"))
    #expect(try run(&locks, "LOCK", "b", "bob", "100", at: 1_099) == .integer(2))
    #expect(try run(&locks, "LOCK", "a", "bob", "100", at: 1_100) == .integer(3), "expired at 1100")
    #expect(try run(&locks, "UNLOCK", "a", "alice", at: 1_101) == .integer(0))
    #expect(try run(&locks, "LOCK", "a", "bob", "100", at: 1_102) == .integer(4), "the holder renews with a new token")
    #expect(try run(&locks, "UNLOCK", "a", "bob", at: 1_103) == .integer(1))
    #expect(try run(&locks, "OWNER", "a", at: 1_103) == .null)
  }

  @Test func theClockNeverGoesBackWhenANewLeadersClockIsBehind() throws {
    var locks = LockService()
    #expect(try run(&locks, "LOCK", "a", "alice", "100", at: 5_000) == .integer(1))
    #expect(try run(&locks, "LOCK", "a", "bob", "100", at: 5_200) == .integer(2))
    // A new leader's clock reads 4 900: the lease granted at 5 200 still runs on the log's clock.
    #expect(try run(&locks, "LOCK", "a", "alice", "100", at: 4_900) == .null)
    #expect(locks.nowMilliseconds == 5_200)
  }
}

/// What a snapshot of each machine holds: the state round-trips, and bad bytes are refused.
struct StateCodingTests {
  @Test func everyMachineRoundTripsItsState() throws {
    var store = KeyValueStore()
    _ = try run(&store, "SET", "a", "1", client: 3, sequence: 1)
    _ = try run(&store, "SET", "b", "", client: 4, sequence: 1)
    var restoredStore = KeyValueStore()
    try restoredStore.restoreState(from: store.encodedState())
    #expect(restoredStore == store)
    // The restored session table still deduplicates.
    #expect(try run(&restoredStore, "SET", "a", "2", client: 3, sequence: 1) == .ok)
    #expect(restoredStore.values[Array("a".utf8)] == Array("1".utf8))

    var counter = Counter()
    _ = try run(&counter, "INCRBY", "-7", client: 1, sequence: 1)
    var restoredCounter = Counter()
    try restoredCounter.restoreState(from: counter.encodedState())
    #expect(restoredCounter == counter)

    var locks = LockService()
    _ = try run(&locks, "LOCK", "a", "alice", "100", client: 1, sequence: 1, at: 10)
    _ = try run(&locks, "LOCK", "b", "bob", "100", client: 2, sequence: 1, at: 20)
    var restoredLocks = LockService()
    try restoredLocks.restoreState(from: locks.encodedState())
    #expect(restoredLocks == locks)
    #expect(try run(&restoredLocks, "LOCK", "c", "carol", "5", at: 30) == .integer(3), "tokens continue")
  }

  @Test func truncatedOrPaddedStateIsRefusedAndLeavesTheMachineAlone() throws {
    var store = KeyValueStore()
    _ = try run(&store, "SET", "key", "value")
    let bytes = store.encodedState()
    var target = KeyValueStore()
    _ = try run(&target, "SET", "mine", "x")
    let before = target
    for cut in [0, 1, 8, bytes.count - 1] {
      #expect(throws: StateDecodingError.self) { try target.restoreState(from: Array(bytes.prefix(cut))) }
    }
    #expect(throws: StateDecodingError.self) { try target.restoreState(from: bytes + [0]) }
    var huge = StateWriter()
    huge.write(UInt64.max)
    #expect(throws: StateDecodingError.self) { try target.restoreState(from: huge.bytes) }
    #expect(target == before)
  }
}

struct SessionTableTests {
  @Test func idleSessionsAreForgottenOnTheLogsClock() {
    var table = SessionTable()
    let hour = SessionTable.idleLimitMilliseconds
    table.record(clientID: 1, sequence: 1, response: [1], now: 10_000_000)
    table.record(clientID: 2, sequence: 1, response: [2], now: 10_000_000 + hour / 2)
    #expect(table.previousResponse(clientID: 1, sequence: 1) == [1])
    table.record(clientID: 3, sequence: 1, response: [3], now: 10_000_001 + hour)
    #expect(table.previousResponse(clientID: 1, sequence: 1) == nil, "idle for over an hour")
    #expect(table.previousResponse(clientID: 2, sequence: 1) == [2])
    #expect(table.count == 2)
  }

  @Test func olderRetriesGetAnErrorAndClientZeroIsNeverDeduplicated() {
    var table = SessionTable()
    table.record(clientID: 1, sequence: 5, response: [5], now: 0)
    #expect(table.previousResponse(clientID: 1, sequence: 5) == [5])
    #expect(
      table.previousResponse(clientID: 1, sequence: 4).map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-ERR")
        == true)
    #expect(table.previousResponse(clientID: 1, sequence: 6) == nil)
    table.record(clientID: 0, sequence: 1, response: [9], now: 0)
    #expect(table.previousResponse(clientID: 0, sequence: 1) == nil)
  }
}

/// The machines' snapshots through the engine's snapshot streams.
struct StateSnapshotTests {
  @Test func snapshotsRoundTripThroughTheStreams() throws {
    var store = KeyValueStore()
    _ = try run(&store, "SET", "a", "1", client: 3, sequence: 1)
    // Through the StateMachine protocol, as the node calls them.
    func snapshot(_ machine: some StateMachine) throws -> [UInt8] {
      var writer = InMemorySnapshotWriter()
      try machine.writeSnapshot(to: &writer)
      return writer.bytes
    }
    func restore<M: StateMachine>(_ machine: inout M, _ bytes: [UInt8]) throws {
      var reader = InMemorySnapshotReader(bytes)
      try machine.restoreSnapshot(from: &reader)
    }
    var restored = KeyValueStore()
    try restore(&restored, try snapshot(store))
    #expect(restored == store)
    var counter = Counter()
    _ = try run(&counter, "INCR")
    var restoredCounter = Counter()
    try restore(&restoredCounter, try snapshot(counter))
    #expect(restoredCounter == counter)
    var locks = LockService()
    _ = try run(&locks, "LOCK", "a", "b", "10", at: 5)
    var restoredLocks = LockService()
    try restore(&restoredLocks, try snapshot(locks))
    #expect(restoredLocks == locks)
    var garbage = InMemorySnapshotReader([1, 2, 3])
    #expect(throws: SnapshotError.self) { try restored.restoreSnapshot(from: &garbage) }
    #expect(restored == store)
  }
}
