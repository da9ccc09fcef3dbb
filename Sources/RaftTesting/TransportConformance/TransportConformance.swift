import Raft
import Synchronization

/// The behaviour every ``Transport`` must show, as checks a test target runs against a
/// ``TransportHarness``:
///
/// ```swift
/// @Test(arguments: TransportConformance.Check.allCases)
/// func conformance(check: TransportConformance.Check) async throws {
///   try await TransportConformance.run(check, harness: MyHarness())
/// }
/// ```
///
/// A failing check throws ``TransportConformanceFailure`` naming what went wrong. Byte-level
/// checks return ``Outcome/notApplicable(_:)`` for transports without a byte stream.
public enum TransportConformance {
  /// One conformance check.
  public enum Check: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Messages reach the node they are addressed to, in order, and only that node.
    case delivery
    /// After a peer stops and a new transport takes its place, messages reach it again.
    case reconnectionAfterRestart
    /// A frame announcing more than the limit closes its connection; too large a message is
    /// not delivered; the node keeps receiving from others.
    case frameLimits
    /// Random bytes, and garbage after a valid handshake, close the connection and reach
    /// nothing; the node keeps receiving from others.
    case garbageBytes
    /// A handshake from another cluster, an unknown node or for another node is refused.
    case refusedHandshakes
    /// A connection that stops mid-frame, or never sends its handshake, does not block the
    /// node; its partial frame is never delivered; a silent one is closed after the timeout.
    case halfOpenConnections

    public var description: String { rawValue }
  }

  /// How a check ended without failing.
  public enum Outcome: Hashable, Sendable {
    /// The transport behaved as required.
    case passed
    /// The check does not apply to this transport, for the reason given.
    case notApplicable(String)
  }

  /// How long a check waits for something that should happen (generous, for slow machines).
  public static let patience: Duration = .seconds(20)

  /// Runs `check` against a fresh cluster from `harness`, then tears the harness down.
  public static func run(_ check: Check, harness: some TransportHarness) async throws -> Outcome {
    let cluster = try ConformanceCluster(harness: harness)
    do {
      let outcome = try await run(check, cluster: cluster)
      await cluster.stopAll()
      await harness.tearDown()
      return outcome
    } catch {
      await cluster.stopAll()
      await harness.tearDown()
      throw error
    }
  }

  private static func run(_ check: Check, cluster: ConformanceCluster) async throws -> Outcome {
    switch check {
    case .delivery: try await delivery(cluster)
    case .reconnectionAfterRestart: try await reconnection(cluster)
    case .frameLimits: try await frameLimits(cluster)
    case .garbageBytes: try await garbageBytes(cluster)
    case .refusedHandshakes: try await refusedHandshakes(cluster)
    case .halfOpenConnections: try await halfOpen(cluster)
    }
  }

  // MARK: Checks

  private static func delivery(_ cluster: ConformanceCluster) async throws -> Outcome {
    let (a, b, c) = cluster.trio
    try cluster.startAll()
    var batch: [Message] = []
    for i in 1...60 {
      batch.append(ping(from: a, to: b, term: UInt64(i)))
      if i % 2 == 0 { batch.append(ping(from: a, to: c, term: UInt64(i))) }
    }
    // A message claiming another sender must not leave.
    batch.append(ping(from: c, to: b, term: 999))
    cluster.transport(a).send(Array(batch.prefix(40)))
    cluster.transport(a).send(Array(batch.dropFirst(40)))
    try await cluster.waitUntil("60 messages at node \(b) and 30 at node \(c)") {
      cluster.inbox(b).count >= 60 && cluster.inbox(c).count >= 30
    }
    try expect(
      cluster.inbox(b) == (1...60).map { ping(from: a, to: b, term: UInt64($0)) },
      "node \(b) got \(cluster.inbox(b).map(\.description))")
    try expect(
      cluster.inbox(c) == stride(from: 2, through: 60, by: 2).map { ping(from: a, to: c, term: UInt64($0)) },
      "node \(c) got the wrong messages")
    try expect(cluster.inbox(a).isEmpty, "the sender received its own messages")
    // Large messages (within the frame limit) arrive whole.
    let limit = cluster.harness.raw?.maximumFrameLength ?? Int.max
    let large = appendMessage(from: a, to: b, payloadBytes: min(200_000, limit - 1024))
    cluster.transport(a).send([large])
    try await cluster.waitUntil("the large message") { cluster.inbox(b).count == 61 }
    try expect(cluster.inbox(b).last == large, "the large message arrived changed")
    return .passed
  }

  private static func reconnection(_ cluster: ConformanceCluster) async throws -> Outcome {
    let (a, b, _) = cluster.trio
    try cluster.startAll()
    try await cluster.deliverEventually(from: a, to: b, term: 1)
    cluster.stop(b)
    // Sending to a stopped peer neither blocks nor crashes.
    for term in 2...20 { cluster.transport(a).send([ping(from: a, to: b, term: UInt64(term))]) }
    try cluster.restart(b)
    try await cluster.deliverEventually(from: a, to: b, term: 1000)
    return .passed
  }

  private static func frameLimits(_ cluster: ConformanceCluster) async throws -> Outcome {
    guard let raw = cluster.harness.raw else { return .notApplicable("the transport carries no frames") }
    let (a, b, c) = cluster.trio
    try cluster.startAll()
    // A message too large for a frame is dropped, and the ones after it still arrive.
    let tooLarge = appendMessage(from: a, to: b, payloadBytes: raw.maximumFrameLength + 1)
    cluster.transport(a).send([tooLarge, ping(from: a, to: b, term: 7)])
    try await cluster.waitUntil("the message after the oversized one") {
      cluster.inbox(b).contains(ping(from: a, to: b, term: 7))
    }
    try expect(!cluster.inbox(b).contains(tooLarge), "an oversized message was delivered")
    // A peer announcing an oversized frame is cut off before it sends the body.
    let connection = try raw.connect(to: b)
    defer { connection.close() }
    try connection.write(handshakeFrame(raw.clusterID, from: c, to: b))
    let length = UInt32(raw.maximumFrameLength + 1)
    try connection.write(withUnsafeBytes(of: length.littleEndian) { Array($0) } + [UInt8](repeating: 0, count: 64))
    try expect(await connection.waitForClose(timeout: patience), "an oversized frame did not close its connection")
    try await cluster.deliverEventually(from: a, to: b, term: 8)
    try expect(cluster.inbox(b).allSatisfy { $0.from == a }, "bytes from a raw connection reached the node")
    return .passed
  }

  private static func garbageBytes(_ cluster: ConformanceCluster) async throws -> Outcome {
    guard let raw = cluster.harness.raw else { return .notApplicable("the transport carries no bytes") }
    let (a, b, c) = cluster.trio
    try cluster.startAll()
    var random = SeededGenerator(seed: 0x5EED)
    for round in 0..<8 {
      let connection = try raw.connect(to: b)
      defer { connection.close() }
      var bytes = (0..<Int.random(in: 1...2048, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      if round % 2 == 1 {
        // Garbage after a valid handshake reaches the frame decoder, not the handshake check.
        bytes = handshakeFrame(raw.clusterID, from: c, to: b) + bytes
      }
      try? connection.write(bytes)
      // Random bytes may happen to announce a long frame and wait for the rest; either it is
      // closed now, or it is an incomplete frame that must never be delivered.
      _ = await connection.waitForClose(timeout: .milliseconds(200))
    }
    // A well-formed frame with a broken checksum.
    let connection = try raw.connect(to: b)
    defer { connection.close() }
    var frame = FrameCodec.encode(ping(from: c, to: b, term: 5))
    frame[frame.count - 1] ^= 0xFF
    try connection.write(handshakeFrame(raw.clusterID, from: c, to: b) + frame)
    try expect(await connection.waitForClose(timeout: patience), "a corrupt frame did not close its connection")
    try await cluster.deliverEventually(from: a, to: b, term: 77)
    try expect(cluster.inbox(b).allSatisfy { $0.from == a }, "garbage reached the node as a message")
    return .passed
  }

  private static func refusedHandshakes(_ cluster: ConformanceCluster) async throws -> Outcome {
    guard let raw = cluster.harness.raw else { return .notApplicable("the transport has no handshake") }
    let (a, b, c) = cluster.trio
    try cluster.startAll()
    let unknown = NodeID((cluster.harness.members.map(\.rawValue).max() ?? 0) + 100)
    let refused: [(String, [UInt8])] = [
      ("another cluster", handshakeFrame(raw.clusterID + "-other", from: c, to: b)),
      ("an unknown node", handshakeFrame(raw.clusterID, from: unknown, to: b)),
      ("another destination", handshakeFrame(raw.clusterID, from: c, to: a)),
      ("a message before the handshake", FrameCodec.encode(ping(from: c, to: b, term: 3))),
    ]
    for (what, bytes) in refused {
      let connection = try raw.connect(to: b)
      defer { connection.close() }
      try connection.write(bytes + FrameCodec.encode(ping(from: c, to: b, term: 4)))
      try expect(await connection.waitForClose(timeout: patience), "a handshake from \(what) was not refused")
    }
    // A valid handshake followed by a message claiming another sender is cut off too.
    let spoofing = try raw.connect(to: b)
    defer { spoofing.close() }
    try spoofing.write(handshakeFrame(raw.clusterID, from: c, to: b) + FrameCodec.encode(ping(from: a, to: b, term: 9)))
    try expect(await spoofing.waitForClose(timeout: patience), "a spoofed sender was not cut off")
    try await cluster.deliverEventually(from: a, to: b, term: 10)
    try expect(!cluster.inbox(b).contains { $0.term == 4 || $0.term == 9 }, "a refused connection's message arrived")
    return .passed
  }

  private static func halfOpen(_ cluster: ConformanceCluster) async throws -> Outcome {
    guard let raw = cluster.harness.raw else { return .notApplicable("the transport has no connections") }
    let (a, b, c) = cluster.trio
    try cluster.startAll()
    // A peer that stops in the middle of a frame and stays connected.
    let stalled = try raw.connect(to: b)
    let frame = FrameCodec.encode(ping(from: c, to: b, term: 41))
    try stalled.write(handshakeFrame(raw.clusterID, from: c, to: b) + Array(frame.prefix(frame.count - 3)))
    // A client that connects and says nothing.
    let silent = try raw.connect(to: b)
    defer { silent.close() }
    // Meanwhile the node keeps serving.
    try await cluster.deliverEventually(from: a, to: b, term: 42)
    try expect(
      await silent.waitForClose(timeout: raw.handshakeTimeout + patience), "a silent connection was never closed")
    stalled.close()
    try await cluster.deliverEventually(from: a, to: b, term: 43)
    try expect(!cluster.inbox(b).contains { $0.term == 41 }, "a truncated frame was delivered")
    return .passed
  }

  // MARK: Helpers

  static func ping(from: NodeID, to: NodeID, term: UInt64) -> Message {
    Message(from: from, to: to, term: Term(term), body: .heartbeat(Heartbeat(commitIndex: LogIndex(term))))
  }

  static func appendMessage(from: NodeID, to: NodeID, payloadBytes: Int) -> Message {
    let entry = LogEntry(index: 1, term: 1, payload: (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0) })
    return Message(
      from: from, to: to, term: 1,
      body: .appendEntries(AppendEntries(prevLogIndex: 0, prevLogTerm: 0, entries: [entry], leaderCommit: 0)))
  }

  static func handshakeFrame(_ clusterID: String, from: NodeID, to: NodeID) -> [UInt8] {
    var writer = WireWriter()
    FrameCodec.append(Handshake(clusterID: clusterID, from: from, to: to), to: &writer)
    return writer.bytes
  }

  static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw TransportConformanceFailure(message: message()) }
  }
}

/// A conformance check failed.
public struct TransportConformanceFailure: Error, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  public var description: String { message }
}
