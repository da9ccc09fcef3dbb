import Raft
import RaftTesting
import Testing

/// The checker must accept every linearizable history and reject planted stale reads; a checker
/// that accepts everything would make the randomized read checks worthless.
@Suite struct LinearizabilityCheckerTests {
  /// x=1 completes at t=10 (index 3), x=2 completes at t=20 (index 4), x=3 starts at t=30 and
  /// commits at index 5 but completes only at t=50.
  private func history() -> LinearizabilityChecker {
    var checker = LinearizabilityChecker()
    checker.writeStarted(key: "x", value: "1", at: 5)
    checker.writeCompleted(key: "x", value: "1", index: 3, at: 10)
    checker.writeStarted(key: "x", value: "2", at: 12)
    checker.writeCompleted(key: "x", value: "2", index: 4, at: 20)
    checker.writeStarted(key: "x", value: "3", at: 30)
    checker.writeCompleted(key: "x", value: "3", index: 5, at: 50)
    return checker
  }

  private func expectViolation(_ check: () throws(InvariantViolation) -> Void) {
    do {
      try check()
      Issue.record("the checker accepted a history that is not linearizable")
    } catch {
      #expect(error.invariant == .linearizableReads)
    }
  }

  @Test func acceptsTheLatestCompletedWrite() throws {
    var checker = history()
    try checker.checkRead(key: "x", startedAt: 25, endedAt: 28, returned: RegisterValue(value: "2", index: 4))
    #expect(checker.readsChecked == 1)
  }

  @Test func acceptsAConcurrentWriteOrTheOneBefore() throws {
    var checker = history()
    // x=3 is under way during the read: both the old and the new value are linearizable.
    try checker.checkRead(key: "x", startedAt: 35, endedAt: 45, returned: RegisterValue(value: "2", index: 4))
    try checker.checkRead(key: "x", startedAt: 35, endedAt: 45, returned: RegisterValue(value: "3", index: 5))
  }

  @Test func acceptsNothingBeforeAnyWriteCompleted() throws {
    var checker = history()
    try checker.checkRead(key: "x", startedAt: 1, endedAt: 9, returned: nil)
    try checker.checkRead(key: "y", startedAt: 60, endedAt: 70, returned: nil)
    // A write that began before the read ended may be seen even though it completes later.
    try checker.checkRead(key: "x", startedAt: 1, endedAt: 9, returned: RegisterValue(value: "1", index: 3))
  }

  @Test func rejectsAPlantedStaleRead() {
    var checker = history()
    expectViolation { () throws(InvariantViolation) in
      try checker.checkRead(key: "x", startedAt: 25, endedAt: 28, returned: RegisterValue(value: "1", index: 3))
    }
  }

  @Test func rejectsAStaleReadOfAWriteThatNeverCompleted() {
    var checker = history()
    // x=0 was proposed early and committed at index 2 but its client never heard: it is older
    // than x=1, which completed before the read began.
    checker.writeStarted(key: "x", value: "0", at: 1)
    expectViolation { () throws(InvariantViolation) in
      try checker.checkRead(key: "x", startedAt: 25, endedAt: 28, returned: RegisterValue(value: "0", index: 2))
    }
  }

  @Test func rejectsNothingAfterACompletedWrite() {
    var checker = history()
    expectViolation { () throws(InvariantViolation) in
      try checker.checkRead(key: "x", startedAt: 11, endedAt: 12, returned: nil)
    }
  }

  @Test func rejectsValuesNeverWrittenOrWrittenAfterTheReadEnded() {
    var checker = history()
    expectViolation { () throws(InvariantViolation) in
      try checker.checkRead(key: "x", startedAt: 25, endedAt: 28, returned: RegisterValue(value: "9", index: 9))
    }
    expectViolation { () throws(InvariantViolation) in
      try checker.checkRead(key: "x", startedAt: 22, endedAt: 26, returned: RegisterValue(value: "3", index: 5))
    }
  }
}

/// A store that answers reads from the state before the last write to each key: the stale
/// replica the checker exists to catch.
private struct LaggingRegisterStore: RegisterReadable {
  var store = RegisterStore()
  var previous: [String: RegisterValue] = [:]

  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    if let (key, _) = RegisterStore.parseWrite(command), let old = store.register(key) { previous[key] = old }
    return store.apply(command, at: index)
  }

  func register(_ key: String) -> RegisterValue? { previous[key] }
}

@Suite struct PlantedStaleReadTests {
  @Test func theSimulationStopsOnAStaleRead() throws {
    let simulation = try Simulation(seed: 3) { LaggingRegisterStore() }
    let leader = try simulation.checkOneLeader()
    try simulation.submit(RegisterStore.write("1", to: "x"), expectedNodes: 3)
    try simulation.submit(RegisterStore.write("2", to: "x"), expectedNodes: 3)
    #expect(throws: SimulationFailure.self) { try simulation.read("x", on: leader) }
    #expect(simulation.failure?.invariant == .linearizableReads)
    #expect(simulation.failure?.detail.contains("stale read") == true)
  }
}
