import Testing

@testable import Raft

/// One sample of every message kind, with edge values (zero, max, empty and large payloads).
enum CodecSamples {
  static let entries: [LogEntry] = [
    LogEntry(index: 1, term: 1, kind: .noop),
    LogEntry(index: 2, term: 1, kind: .command, payload: Array("set x 1".utf8)),
    LogEntry(index: 3, term: 2, kind: .configuration, payload: [0, 255, 7]),
    LogEntry(index: 4, term: Term(UInt64.max), kind: .command, payload: Array(repeating: 0xAB, count: 3_000)),
  ]

  static let bodies: [MessageBody] = [
    .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: 7, lastLogTerm: 3)),
    .voteRequest(VoteRequest(isPreVote: true, lastLogIndex: 0, lastLogTerm: 0)),
    .voteResponse(VoteResponse(isPreVote: false, granted: true)),
    .voteResponse(VoteResponse(isPreVote: true, granted: false)),
    .appendEntries(AppendEntries(prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0)),
    .appendEntries(AppendEntries(prevLogIndex: 0, prevLogTerm: 0, entries: entries, leaderCommit: 8)),
    .appendResponse(AppendResponse(result: .accepted(matchIndex: 12))),
    .appendResponse(AppendResponse(result: .rejected(rejectedIndex: 5, hint: nil))),
    .appendResponse(
      AppendResponse(
        result: .rejected(
          rejectedIndex: 5, hint: ConflictHint(conflictTerm: 3, firstIndexOfConflictTerm: 2, lastLogIndex: 4)))),
    .appendResponse(
      AppendResponse(
        result: .rejected(
          rejectedIndex: 5, hint: ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 4)))),
    .heartbeat(Heartbeat(commitIndex: 42)),
    .heartbeat(Heartbeat(commitIndex: 42, readContext: UInt64.max)),
    .heartbeatResponse(HeartbeatResponse()),
    .heartbeatResponse(HeartbeatResponse(readContext: 7)),
    .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: 7, lastLogTerm: 3, isLeadershipTransfer: true)),
    .readIndex(ReadIndexRequest(reads: [])),
    .readIndex(ReadIndexRequest(reads: [1, 2, ReadRequestID(UInt64.max)])),
    .readIndexResponse(ReadIndexResponse(reads: [3], result: .confirmed(readIndex: 9))),
    .readIndexResponse(ReadIndexResponse(reads: [3, 4], result: .refused(.noLeader))),
    .readIndexResponse(ReadIndexResponse(reads: [3], result: .refused(.notLeader(leaderHint: 2)))),
    .readIndexResponse(ReadIndexResponse(reads: [3], result: .refused(.notLeader(leaderHint: nil)))),
    .readIndexResponse(ReadIndexResponse(reads: [3], result: .refused(.leadershipLost))),
    .readIndexResponse(ReadIndexResponse(reads: [3], result: .refused(.timedOut(ticks: 10)))),
    .forwardedProposals(ForwardedProposals(proposals: [])),
    .forwardedProposals(
      ForwardedProposals(proposals: [
        ForwardedProposal(id: 1, command: []), ForwardedProposal(id: 2, command: Array("x=1".utf8)),
      ])),
    .forwardedProposalsResponse(
      ForwardedProposalsResponse(outcomes: [
        ProposalOutcome(id: 1, result: .appended(index: 5, term: 2)),
        ProposalOutcome(id: 2, result: .failed(.notLeader(leaderHint: 3))),
        ProposalOutcome(id: 3, result: .failed(.notLeader(leaderHint: nil))),
        ProposalOutcome(id: 4, result: .failed(.uncommittedLogFull(limitBytes: 1 << 20))),
        ProposalOutcome(id: 5, result: .failed(.noLeader)),
        ProposalOutcome(id: 6, result: .failed(.leadershipTransferInProgress(to: 2))),
        ProposalOutcome(id: 7, result: .failed(.forwardedOutcomeUnknown)),
      ])),
    .timeoutNow,
    .installSnapshot(InstallSnapshot(metadata: snapshot, offset: 0, data: [])),
    .installSnapshot(InstallSnapshot(metadata: snapshot, offset: 1 << 40, data: Array(repeating: 0x5A, count: 70_000))),
    .snapshotResponse(SnapshotResponse(metadata: snapshot, result: .received(offset: 12))),
    .snapshotResponse(SnapshotResponse(metadata: snapshot, result: .gap(offset: 0))),
    .snapshotResponse(SnapshotResponse(metadata: snapshot, result: .position(offset: UInt64.max))),
    .snapshotResponse(SnapshotResponse(metadata: snapshot, result: .installed)),
    .snapshotResponse(
      SnapshotResponse(
        metadata: SnapshotMetadata(lastIncludedIndex: 0, lastIncludedTerm: 0, members: [], size: 0, checksum: 0),
        result: .checksumMismatch)),
  ]

  static let snapshot = SnapshotMetadata(
    lastIncludedIndex: 99, lastIncludedTerm: 7, members: [1, 2, 3], size: 1 << 41, checksum: 0xDEAD_BEEF)

  static let messages: [Message] = bodies.enumerated().map { i, body in
    Message(from: NodeID(UInt64(i + 1)), to: NodeID(UInt64.max), term: Term(UInt64(i) * 1000), body: body)
  }
}

@Suite("Frame codec")
struct FrameCodecTests {
  @Test("The samples cover every message frame kind", arguments: FrameKind.allCases.filter { $0 != .handshake })
  func samplesCoverKind(kind: FrameKind) {
    #expect(CodecSamples.bodies.contains { $0.frameKind == kind }, "add a sample for \(kind) to CodecSamples")
  }

  @Test("Every message kind survives a round trip", arguments: CodecSamples.messages)
  func roundTrip(message: Message) throws {
    let bytes = FrameCodec.encode(message)
    #expect(try FrameCodec.decode(bytes) == .message(message))
  }

  @Test("A handshake survives a round trip, non-ASCII cluster ids included")
  func handshakeRoundTrip() throws {
    for name in ["", "prod-eu", "clüster✓"] {
      var writer = WireWriter()
      FrameCodec.append(Handshake(clusterID: name, from: 1, to: 2), to: &writer)
      #expect(try FrameCodec.decode(writer.bytes) == .handshake(Handshake(clusterID: name, from: 1, to: 2)))
    }
  }

  @Test("Frames written into one buffer come out of a stream in order, however it is cut")
  func streaming() throws {
    var writer = WireWriter()
    for message in CodecSamples.messages { FrameCodec.append(message, to: &writer) }
    for chunkSize in [1, 3, 17, 4096, writer.bytes.count] {
      var decoder = FrameDecoder()
      var decoded: [Message] = []
      var offset = 0
      while offset < writer.bytes.count {
        let end = min(offset + chunkSize, writer.bytes.count)
        decoder.append(Array(writer.bytes[offset..<end]))
        offset = end
        while case .message(let message)? = try decoder.next() { decoded.append(message) }
      }
      #expect(decoded == CodecSamples.messages, "chunk size \(chunkSize)")
      #expect(decoder.bufferedByteCount == 0)
    }
  }

  @Test("Every truncation of a frame is reported, never decoded", arguments: CodecSamples.messages.prefix(8))
  func truncation(message: Message) {
    let bytes = FrameCodec.encode(message)
    // Every cut for small frames; for the larger one, a spread of cuts keeps the test fast.
    for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
      #expect(throws: DecodeError.self) { try FrameCodec.decode(Array(bytes.prefix(length))) }
    }
  }

  @Test("A flipped bit anywhere is caught")
  func bitFlips() {
    let bytes = FrameCodec.encode(CodecSamples.messages[5])
    for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 500)) {
      var corrupt = bytes
      corrupt[position] ^= 0x10
      #expect(throws: DecodeError.self) { try FrameCodec.decode(corrupt) }
    }
  }

  @Test("A length field above the limit is refused before the body arrives")
  func oversized() {
    var decoder = FrameDecoder(maximumLength: 1024)
    decoder.append([0x01, 0x10, 0x00, 0x00])  // announces 4097 bytes
    #expect(throws: DecodeError.oversized(length: 4097, limit: 1024)) { try decoder.next() }
  }

  @Test("A length field below the header size is refused")
  func undersized() {
    var decoder = FrameDecoder()
    decoder.append([0x02, 0, 0, 0, 0, 0])
    #expect(throws: DecodeError.undersized(length: 2)) { try decoder.next() }
  }

  @Test("An unknown version or kind is a typed error, even with a valid checksum")
  func unknownVersionAndKind() {
    #expect(throws: DecodeError.unsupportedVersion(9)) {
      try decodeRaw(version: 9, kind: 5, body: [UInt8](repeating: 0, count: 32))
    }
    #expect(throws: DecodeError.unknownKind(63)) { try decodeRaw(version: 1, kind: 63, body: []) }
    #expect(throws: DecodeError.trailingBytes(count: 1)) {
      try decodeRaw(version: 1, kind: FrameKind.timeoutNow.rawValue, body: [UInt8](repeating: 0, count: 25))
    }
  }

  @Test("A log index above Int64.max is refused at the wire, before any index arithmetic")
  func hugeIndex() {
    var body = WireWriter()
    for _ in 0..<3 { body.write(UInt64(1)) }  // from, to, term
    body.write(UInt64(1) << 63)  // commit index
    #expect(throws: DecodeError.invalidValue(field: "Heartbeat.commitIndex", value: UInt64(1) << 63)) {
      try decodeRaw(version: 1, kind: FrameKind.heartbeat.rawValue, body: body.bytes)
    }
    #expect(LogIndex(UInt64.max) != LogIndex(0))
  }

  @Test("Entries that do not continue the log after prevLogIndex, or whose terms fall, are refused")
  func nonContiguousEntries() {
    func frame(prev: LogIndex, _ entries: [LogEntry]) -> Message {
      Message(
        from: 1, to: 2, term: 9,
        body: .appendEntries(AppendEntries(prevLogIndex: prev, prevLogTerm: 1, entries: entries, leaderCommit: 0)))
    }
    let gap = frame(prev: 5, [LogEntry(index: 6, term: 2), LogEntry(index: 8, term: 2)])
    #expect(throws: DecodeError.invalidValue(field: "AppendEntries.entries[1].index", value: 8)) {
      try FrameCodec.decode(FrameCodec.encode(gap))
    }
    let falling = frame(prev: 5, [LogEntry(index: 6, term: 3), LogEntry(index: 7, term: 2)])
    #expect(throws: DecodeError.invalidValue(field: "AppendEntries.entries[1].term", value: 2)) {
      try FrameCodec.decode(FrameCodec.encode(falling))
    }
  }

  @Test("A forged entry count cannot make the decoder allocate for entries that are not there")
  func forgedCount() {
    var body = WireWriter()
    for _ in 0..<3 { body.write(UInt64(0)) }  // from, to, term
    for _ in 0..<3 { body.write(UInt64(1)) }  // prev index, prev term, commit
    body.write(UInt32.max)  // entry count
    #expect(throws: DecodeError.self) {
      try decodeRaw(version: 1, kind: FrameKind.appendEntries.rawValue, body: body.bytes)
    }
  }
}

/// Builds a frame with a correct length and checksum around arbitrary contents, so decoding
/// gets past the checksum and exercises the body parsers.
func decodeRaw(version: UInt8, kind: UInt8, body: [UInt8]) throws(DecodeError) -> Frame {
  let contents = [version, kind] + body
  var writer = WireWriter()
  writer.write(UInt32(contents.count + 4))
  writer.write(CRC32C.checksum(contents))
  writer.bytes += contents
  return try FrameCodec.decode(writer.bytes)
}
