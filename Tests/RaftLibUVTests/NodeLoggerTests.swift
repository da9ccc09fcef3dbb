import Logging
import Raft
import Synchronization
import Testing

@testable import RaftLibUV

/// Captures log records in memory.
struct CapturingLogHandler: LogHandler {
  struct Record: Sendable {
    var level: Logger.Level
    var message: String
    var metadata: [String: String]
  }

  let records: Locked<[Record]>
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    records.withLock {
      $0.append(Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
  }
}

@Suite("Node logging")
struct NodeLoggerTests {
  @Test("Every line carries node, term and topic; a node elected leader logs LEAD and TERM")
  func structuredLines() async throws {
    let records = Locked<[CapturingLogHandler.Record]>([])
    var logger = Logger(label: "test", factory: { _ in CapturingLogHandler(records: records) })
    logger.logLevel = .trace
    let node = try RaftNode(
      configuration: NodeConfiguration(id: 7, members: [7]), storage: MemoryStorage(),
      transport: InMemoryNetwork().transport(for: 7), stateMachine: RecordingStateMachine(log: AppliedLog()),
      options: RaftNodeOptions(tickInterval: .milliseconds(2), logger: logger))
    try await node.start()
    _ = try await waitForCommit(node)
    await node.stop()
    let lines = records.value
    #expect(!lines.isEmpty)
    for line in lines {
      #expect(line.metadata["node"] == "7")
      #expect(line.metadata["term"] != nil)
      #expect(LogTopic(rawValue: line.metadata["topic"] ?? "") != nil)
      #expect(line.message.hasPrefix("[\(line.metadata["topic"] ?? "")]"))
    }
    let topics = Set(lines.compactMap { $0.metadata["topic"] })
    #expect(topics.isSuperset(of: ["LEAD", "TERM", "NODE", "PERS", "CMIT"]), "\(topics)")
  }

  @Test("Without a logger nothing is emitted")
  func quietByDefault() {
    let log = NodeLogger.quiet(node: 1)
    #expect(!log.enabled(.critical) || log.logger.handler is SwiftLogNoOpLogHandler)
  }

  private func waitForCommit(_ node: RaftNode) async throws -> [UInt8] {
    let deadline = ContinuousClock.now + .seconds(20)
    var attempts = 0
    while true {
      attempts += 1
      var failure: RaftNodeError
      do {
        return try await node.propose(Array("x".utf8))
      } catch {
        failure = error
      }
      if ContinuousClock.now > deadline && attempts > 100 { throw failure }
      try await Task.sleep(for: .milliseconds(5))
    }
  }
}
