import Testing

@testable import Raft

/// Snapshots and log compaction: when a snapshot is asked for, what compaction keeps, how a
/// leader streams its snapshot to a follower whose next entry it compacted away (bounded
/// chunks, a bounded window, resumption from the follower's durable offset, a checksum), and
/// how a follower installs it.
@Suite("Snapshots")
struct SnapshotTests {
  /// The content of the snapshots these tests send: 100 bytes.
  private static let content: [UInt8] = (0..<100).map { UInt8($0) }

  private static func metadata(_ index: LogIndex, _ term: Term, checksum: UInt32? = nil) -> SnapshotMetadata {
    SnapshotMetadata(
      lastIncludedIndex: index, lastIncludedTerm: term, members: [1, 2, 3], size: UInt64(content.count),
      checksum: checksum ?? CRC32C.checksum(content))
  }

  private static func chunk(
    _ metadata: SnapshotMetadata, offset: Int, count: Int, from: NodeID = 2, to: NodeID = 1, term: Term
  ) -> Message {
    Message(
      from: from, to: to, term: term,
      body: .installSnapshot(
        InstallSnapshot(metadata: metadata, offset: UInt64(offset), data: Array(content[offset..<(offset + count)]))))
  }

  private static func response(
    _ metadata: SnapshotMetadata, _ result: SnapshotResponse.Result, from: NodeID, term: Term
  ) -> Message {
    Message(
      from: from, to: 1, term: term, body: .snapshotResponse(SnapshotResponse(metadata: metadata, result: result)))
  }

  /// A leader of term 2 holding snapshot 5@1 and entries 6...8 of term 1, plus its no-op at 9;
  /// node 2 is replicating, node 3 is probed.
  private func leaderWithSnapshot(chunkBytes: Int = 30, window: Int = 2) throws -> RaftEngine {
    var setup = EngineSetup(term: 1, log: TestLog.terms([1, 1, 1], from: 6), commitIndex: 8)
    setup.snapshot = Self.metadata(5, 1)
    setup.maxSnapshotChunkBytes = chunkBytes
    setup.maxInflightAppends = window
    return try setup.leader(replicating: [2])
  }

  /// Node 3 says its log ends at 2: the leader's next index for it is compacted away.
  private func startTransfer(on leader: inout RaftEngine) -> EngineOutput {
    let hint = ConflictHint(conflictTerm: nil, firstIndexOfConflictTerm: 0, lastLogIndex: 2)
    return leader.receive(.rejected(from: 3, to: 1, term: leader.term, index: 8, hint: hint))
  }

  private func ranges(_ output: EngineOutput) -> [Range<UInt64>] {
    output.snapshotChunks.map { $0.offset..<($0.offset + UInt64($0.count)) }
  }

  // MARK: Taking snapshots and compacting

  @Test("A snapshot is asked for once snapshotThreshold entries were applied, and only once")
  func thresholdAsksForASnapshot() throws {
    var setup = EngineSetup()
    setup.snapshotThreshold = 3
    var engine = try setup.leader(replicating: [2, 3])  // no-op at 1, applied
    #expect(engine.flush().snapshotsToTake.isEmpty)
    try engine.propose([0x61])
    try engine.propose([0x62])
    _ = engine.flush()
    let output = engine.receive(.accepted(from: 2, to: 1, term: 1, match: 3))
    #expect(output.committed.map(\.index) == [2, 3])
    #expect(output.snapshotsToTake == [SnapshotRequest(index: 3, term: 1, members: [1, 2, 3])])
    // Not asked again while the first one is out.
    try engine.propose([0x63])
    _ = engine.flush()
    #expect(engine.receive(.accepted(from: 2, to: 1, term: 1, match: 4)).snapshotsToTake.isEmpty)
  }

  @Test("A failed snapshot is asked for again only after another threshold of entries")
  func failedSnapshotWaitsForAnotherThreshold() throws {
    var setup = EngineSetup()
    setup.snapshotThreshold = 2
    var engine = try setup.leader(replicating: [2, 3])
    try engine.propose([0x61])
    _ = engine.flush()
    #expect(engine.receive(.accepted(from: 2, to: 1, term: 1, match: 2)).snapshotsToTake.map(\.index) == [2])
    engine.snapshotFailed()
    try engine.propose([0x62])
    _ = engine.flush()
    #expect(engine.receive(.accepted(from: 2, to: 1, term: 1, match: 3)).snapshotsToTake.isEmpty)
    try engine.propose([0x63])
    _ = engine.flush()
    #expect(engine.receive(.accepted(from: 2, to: 1, term: 1, match: 4)).snapshotsToTake.map(\.index) == [4])
  }

  @Test("Compaction keeps snapshotTrailingEntries before the snapshot's index, in memory and in storage")
  func compactionKeepsTrailingWindow() throws {
    var setup = EngineSetup()
    setup.snapshotThreshold = 4
    setup.snapshotTrailingEntries = 1
    var engine = try setup.leader(replicating: [2, 3])
    for byte in 0x61...0x64 { try engine.propose([UInt8(byte)]) }
    _ = engine.flush()
    let request = try #require(engine.receive(.accepted(from: 2, to: 1, term: 1, match: 5)).snapshotsToTake.first)
    #expect(request.index == 5)
    engine.snapshotTaken(
      SnapshotMetadata(lastIncludedIndex: 5, lastIncludedTerm: 1, members: [1, 2, 3], size: 0, checksum: 0))
    let output = engine.flush()
    #expect(output.writes.map(\.compactThrough) == [4])
    #expect(engine.log.compactedIndex == 4)
    #expect(engine.log.firstIndex == 5)
    #expect(engine.snapshot?.lastIncludedIndex == 5)
    // A stale report changes nothing.
    engine.snapshotTaken(
      SnapshotMetadata(lastIncludedIndex: 3, lastIncludedTerm: 1, members: [1, 2, 3], size: 0, checksum: 0))
    #expect(engine.snapshot?.lastIncludedIndex == 5)
    #expect(engine.flush().writes.isEmpty)
  }

  // MARK: Leader: sending

  @Test("A follower whose next entry was compacted away gets InstallSnapshot, starting with a probe")
  func installSnapshotWhenNextIndexCompacted() throws {
    var leader = try leaderWithSnapshot()
    let output = startTransfer(on: &leader)
    #expect(output.appends(to: 3).isEmpty)
    let probe = try #require(output.snapshotChunks.first)
    #expect(output.snapshotChunks.count == 1)
    #expect((probe.to, probe.offset, probe.count, probe.metadata) == (3, 0, 0, Self.metadata(5, 1)))
    #expect(
      probe.message(data: []).body
        == .installSnapshot(InstallSnapshot(metadata: Self.metadata(5, 1), offset: 0, data: [])))
  }

  @Test("Chunks are at most maxSnapshotChunkBytes, within a window, each acknowledgement freeing a slot")
  func chunksAreBoundedAndWindowed() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 30, window: 2)
    _ = startTransfer(on: &leader)
    let meta = Self.metadata(5, 1)
    let term = leader.term
    var output = leader.receive(Self.response(meta, .position(offset: 0), from: 3, term: term))
    #expect(ranges(output) == [0..<30, 30..<60])
    output = leader.receive(Self.response(meta, .received(offset: 30), from: 3, term: term))
    #expect(ranges(output) == [60..<90])
    output = leader.receive(Self.response(meta, .received(offset: 60), from: 3, term: term))
    #expect(ranges(output) == [90..<100])
    output = leader.receive(Self.response(meta, .received(offset: 90), from: 3, term: term))
    #expect(output.snapshotChunks.isEmpty, "everything was sent")
  }

  @Test("Once the follower installed the snapshot, the leader replicates the entries after it")
  func installedSnapshotResumesReplication() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 100)
    _ = startTransfer(on: &leader)
    let meta = Self.metadata(5, 1)
    _ = leader.receive(Self.response(meta, .position(offset: 0), from: 3, term: leader.term))
    let output = leader.receive(Self.response(meta, .installed, from: 3, term: leader.term))
    #expect(leader.peer(3)?.matchIndex == 5)
    #expect(leader.peer(3)?.state == .replicate)
    let append = try #require(output.appends(to: 3).first)
    #expect((append.prevLogIndex, append.prevLogTerm) == (5, 1))
    #expect(append.entries.map(\.index) == [6, 7, 8, 9])
  }

  @Test("A transfer resumes from the offset the follower reports, not from 0")
  func resumesFromAcknowledgedOffset() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 30, window: 1)
    _ = startTransfer(on: &leader)
    // The follower already holds 60 bytes of this snapshot (from this leader's predecessor).
    let output = leader.receive(Self.response(Self.metadata(5, 1), .position(offset: 60), from: 3, term: leader.term))
    #expect(ranges(output) == [60..<90])
    #expect(leader.statistics.snapshotBytesSent == 30)
  }

  @Test("A gap costs one resend of the missing chunk, once per hole; stale reports are ignored")
  func gapResendsTheHoleOnce() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 30, window: 3)
    _ = startTransfer(on: &leader)
    let meta = Self.metadata(5, 1)
    let term = leader.term
    #expect(
      ranges(leader.receive(Self.response(meta, .position(offset: 0), from: 3, term: term))) == [
        0..<30, 30..<60, 60..<90,
      ])
    // Chunk 0 was lost: chunks 30 and 60 both report the gap at 0 (the follower keeps them aside).
    #expect(ranges(leader.receive(Self.response(meta, .gap(offset: 0), from: 3, term: term))) == [0..<30])
    #expect(leader.receive(Self.response(meta, .gap(offset: 0), from: 3, term: term)).snapshotChunks.isEmpty)
    #expect(ranges(leader.receive(Self.response(meta, .received(offset: 90), from: 3, term: term))) == [90..<100])
    // A late gap report from before is stale.
    #expect(leader.receive(Self.response(meta, .gap(offset: 30), from: 3, term: term)).snapshotChunks.isEmpty)
  }

  @Test("Chunks that stay unacknowledged over two heartbeat replies are presumed lost: probe again")
  func stalledTransferProbes() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 30, window: 2)
    _ = startTransfer(on: &leader)
    let meta = Self.metadata(5, 1)
    _ = leader.receive(Self.response(meta, .position(offset: 0), from: 3, term: leader.term))
    #expect(leader.receive(.heartbeatReply(from: 3, to: 1, term: leader.term)).snapshotChunks.isEmpty)
    let output = leader.receive(.heartbeatReply(from: 3, to: 1, term: leader.term))
    #expect(output.snapshotChunks.map(\.count) == [0])
  }

  @Test("A checksum mismatch restarts the transfer from byte 0")
  func checksumMismatchRestartsTransfer() throws {
    var leader = try leaderWithSnapshot(chunkBytes: 50, window: 2)
    _ = startTransfer(on: &leader)
    let meta = Self.metadata(5, 1)
    _ = leader.receive(Self.response(meta, .position(offset: 0), from: 3, term: leader.term))
    let output = leader.receive(Self.response(meta, .checksumMismatch, from: 3, term: leader.term))
    #expect(output.snapshotChunks.map { ($0.offset, $0.count) }.elementsEqual([(0, 0)]) { $0 == $1 })
    #expect(leader.statistics.snapshotTransfersRestarted == 1)
  }

  @Test("Answers about another snapshot are ignored")
  func answersAboutAnotherSnapshotIgnored() throws {
    var leader = try leaderWithSnapshot()
    _ = startTransfer(on: &leader)
    let output = leader.receive(Self.response(Self.metadata(4, 1), .installed, from: 3, term: leader.term))
    #expect(output.snapshotChunks.isEmpty)
    #expect(leader.peer(3)?.matchIndex == 0)
  }

  @Test("A snapshot answer of a higher term makes the leader step down")
  func higherTermAnswerDemotesLeader() throws {
    var leader = try leaderWithSnapshot()
    _ = startTransfer(on: &leader)
    _ = leader.receive(Self.response(Self.metadata(5, 1), .position(offset: 0), from: 3, term: 7))
    #expect(leader.role == .follower)
    #expect(leader.term == 7)
  }

  // MARK: Follower: receiving

  @Test("A follower stores chunks in order and answers only once they are durable")
  func chunksAnsweredOnceDurable() throws {
    var follower = try EngineSetup(term: 2).engine()
    let meta = Self.metadata(5, 2)
    follower.step(Self.chunk(meta, offset: 0, count: 40, term: 2))
    let ready = follower.ready()
    #expect(ready.messages.isEmpty, "the answer waits for the chunk's write")
    let write = try #require(ready.persistence)
    #expect(write.snapshotWrites == [.chunk(meta, offset: 0, data: Array(Self.content[0..<40]))])
    follower.acknowledgePersisted(through: write.id)
    let answer = follower.ready().messages.compactMap(\.snapshotResponse)
    #expect(answer == [SnapshotResponse(metadata: meta, result: .received(offset: 40))])
  }

  @Test("A follower installs a complete snapshot, discards a conflicting log and restores once durable")
  func installDiscardsConflictingLog() throws {
    var follower = try EngineSetup(term: 2, log: TestLog.terms([1, 1, 2])).engine()
    let meta = Self.metadata(5, 2)
    _ = follower.receive(Self.chunk(meta, offset: 0, count: 60, term: 2))
    follower.step(Self.chunk(meta, offset: 60, count: 40, term: 2))
    let ready = follower.ready()
    #expect(ready.snapshotToRestore == nil, "not before the install is durable")
    let write = try #require(ready.persistence)
    #expect(
      write.snapshotWrites == [
        .chunk(meta, offset: 60, data: Array(Self.content[60..<100])), .install(meta, retainsLog: false),
      ])
    #expect(write.hardState?.commitIndex == 5)
    #expect((follower.log.compactedIndex, follower.log.lastIndex) == (5, 5))
    follower.acknowledgePersisted(through: write.id)
    let after = follower.flush()
    #expect(after.restoredSnapshots == [meta])
    #expect(after.messages.compactMap(\.snapshotResponse) == [SnapshotResponse(metadata: meta, result: .installed)])
    #expect((follower.commitIndex, follower.appliedIndex) == (5, 5))
    #expect(follower.snapshot == meta)
  }

  @Test("A follower whose log holds the snapshot's last entry keeps the entries after it")
  func installKeepsLongerMatchingSuffix() throws {
    var follower = try EngineSetup(term: 2, log: TestLog.terms([1, 1, 1, 2, 2, 2])).engine()
    let meta = Self.metadata(4, 2)
    let output = follower.receive(Self.chunk(meta, offset: 0, count: 100, term: 2))
    #expect(output.writes.flatMap(\.snapshotWrites).last == .install(meta, retainsLog: true))
    #expect((follower.log.compactedIndex, follower.log.lastIndex) == (4, 6))
    #expect(follower.log.term(at: 6) == 2)
    #expect(output.restoredSnapshots == [meta])
  }

  @Test("A chunk ahead of a missing one is kept aside, and written once the hole is filled")
  func outOfOrderChunksKeptAside() throws {
    var follower = try EngineSetup(term: 2).engine()
    let meta = Self.metadata(5, 2)
    var output = follower.receive(Self.chunk(meta, offset: 40, count: 40, term: 2))
    #expect(output.writes.isEmpty, "nothing is written out of order")
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.gap(offset: 0)])
    output = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    #expect(
      output.writes.flatMap(\.snapshotWrites) == [
        .chunk(meta, offset: 0, data: Array(Self.content[0..<40])),
        .chunk(meta, offset: 40, data: Array(Self.content[40..<80])),
      ])
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.received(offset: 80)])
  }

  @Test("Duplicate chunks change nothing; the answer says where to continue")
  func duplicateChunksIgnored() throws {
    var follower = try EngineSetup(term: 2).engine()
    let meta = Self.metadata(5, 2)
    _ = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    var output = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    #expect(output.writes.isEmpty, "a duplicate is not written again")
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.received(offset: 40)])
    // Overlapping what is held (another leader's chunking): only the new part is written.
    output = follower.receive(Self.chunk(meta, offset: 20, count: 40, term: 2))
    #expect(output.writes.flatMap(\.snapshotWrites) == [.chunk(meta, offset: 40, data: Array(Self.content[40..<60]))])
    // A probe asks where the follower stands.
    output = follower.receive(Self.chunk(meta, offset: 0, count: 0, term: 2))
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.position(offset: 60)])
  }

  @Test("A new leader offering the same snapshot resumes where its predecessor stopped")
  func followerResumesAcrossLeaderChange() throws {
    var follower = try EngineSetup(term: 2).engine()
    let meta = Self.metadata(5, 2)
    _ = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    _ = follower.receive(Self.chunk(meta, offset: 40, count: 40, term: 2))
    let probe = follower.receive(Self.chunk(meta, offset: 0, count: 0, from: 3, term: 3))
    #expect(follower.term == 3 && follower.leader == 3)
    #expect(probe.messages.compactMap(\.snapshotResponse).map(\.result) == [.position(offset: 80)])
    let last = follower.receive(Self.chunk(meta, offset: 80, count: 20, from: 3, term: 3))
    #expect(last.restoredSnapshots == [meta])
    // Another snapshot starts over.
    var other = try EngineSetup(term: 2).engine()
    _ = other.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    let fresh = other.receive(Self.chunk(Self.metadata(6, 2), offset: 0, count: 0, term: 2))
    #expect(fresh.messages.compactMap(\.snapshotResponse).map(\.result) == [.position(offset: 0)])
  }

  @Test("A snapshot whose content fails its checksum is discarded, not installed")
  func checksumMismatchDiscards() throws {
    var follower = try EngineSetup(term: 2, log: TestLog.terms([1, 2])).engine()
    let meta = Self.metadata(5, 2, checksum: 0xDEAD_BEEF)
    let output = follower.receive(Self.chunk(meta, offset: 0, count: 100, term: 2))
    #expect(!output.writes.flatMap(\.snapshotWrites).contains(.install(meta, retainsLog: false)))
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.checksumMismatch])
    #expect(output.restoredSnapshots.isEmpty)
    #expect((follower.log.lastIndex, follower.commitIndex, follower.snapshot) == (2, 0, nil))
    #expect(follower.statistics.snapshotChecksumMismatches == 1)
  }

  @Test("A snapshot the follower's commit index already covers is acknowledged without a transfer")
  func coveredSnapshotAcknowledged() throws {
    var follower = try EngineSetup(term: 2, log: TestLog.terms([1, 1, 2, 2, 2, 2]), commitIndex: 6).engine()
    let output = follower.receive(Self.chunk(Self.metadata(5, 2), offset: 0, count: 0, term: 2))
    #expect(output.writes.isEmpty)
    #expect(output.messages.compactMap(\.snapshotResponse).map(\.result) == [.installed])
    #expect(follower.log.lastIndex == 6)
  }

  @Test("InstallSnapshot follows the term rules: a higher term is adopted, a lower one refused")
  func termHandling() throws {
    var follower = try EngineSetup(term: 3, preVote: true).engine()
    let meta = Self.metadata(5, 2)
    let stale = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 2))
    #expect(stale.writes.isEmpty)
    #expect(stale.messages.map(\.isHeartbeatResponse) == [true], "the stale leader learns the new term")
    #expect(stale.messages.first?.term == 3)
    let newer = follower.receive(Self.chunk(meta, offset: 0, count: 40, term: 4))
    #expect((follower.term, follower.leader, follower.role) == (4, 2, .follower))
    #expect(newer.writes.first?.hardState?.term == 4)
  }

  // MARK: Restart

  @Test("A restarted node restores its snapshot, then replays the committed entries after it")
  func restartRestoresThenReplays() throws {
    var setup = EngineSetup(term: 2, log: TestLog.terms([2, 2, 2], from: 6), commitIndex: 7)
    setup.snapshot = Self.metadata(5, 2)
    var engine = try setup.engine()
    let ready = engine.ready()
    #expect(ready.snapshotToRestore == Self.metadata(5, 2))
    #expect(ready.committedEntries.map(\.index) == [6, 7])
    #expect((engine.log.firstIndex, engine.log.lastIndex, engine.commitIndex) == (6, 8, 7))
  }

  @Test("A recovered log that starts before the snapshot keeps only the entries after it")
  func recoveredLogStartsAfterSnapshot() throws {
    var setup = EngineSetup(term: 2, log: TestLog.terms([1, 1, 2, 2], from: 3), commitIndex: 2)
    setup.snapshot = Self.metadata(4, 1)
    var engine = try setup.engine()
    #expect((engine.log.compactedIndex, engine.log.compactedTerm, engine.log.lastIndex) == (4, 1, 6))
    #expect(engine.commitIndex == 4, "a snapshot covers committed entries only")
    #expect(engine.ready().snapshotToRestore?.lastIncludedIndex == 4)
  }
}

extension Message {
  fileprivate var snapshotResponse: SnapshotResponse? {
    if case .snapshotResponse(let response) = body { response } else { nil }
  }
}
