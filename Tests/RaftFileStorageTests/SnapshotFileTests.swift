import Glibc
import Raft
import RaftFileStorage
import Testing

/// Snapshot files: written in chunks at any offsets under a temporary name, visible only once
/// finished, checked by checksum on open.
@Suite("FileStorage snapshots")
struct SnapshotFileTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }

  func open() throws -> FileStorage { try FileStorage(directory: path) }

  static func data(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

  @Test("Chunks written out of order round-trip, with metadata, across a reopen")
  func roundTrip() throws {
    let data = Self.data(300_000)
    let storage = try open()
    #expect(storage.snapshots.latest == nil)
    let writer = try storage.snapshots.beginWriting(lastIndex: 120, lastTerm: 4, metadata: Array("config".utf8))
    // The second half first, as a retransmitted or reordered transfer might deliver it.
    try writer.write(Array(data[150_000...]), at: 150_000)
    try writer.write(Array(data[..<150_000]), at: 0)
    #expect(storage.snapshots.latest == nil, "nothing is visible before finish()")
    let info = try writer.finish()
    #expect(info.lastIndex == 120 && info.lastTerm == 4 && info.dataSize == 300_000)
    #expect(info.checksum == CRC32C.checksum(data))
    #expect(storage.snapshots.latest == info)
    #expect(try storage.snapshots.read(offset: 1000, count: 500) == Array(data[1000..<1500]))
    #expect(try storage.snapshots.read(offset: 299_990, count: 500) == Array(data[299_990...]))
    #expect(try storage.snapshots.read(offset: 300_000, count: 10).isEmpty)
    storage.close()
    let reopened = try open()
    #expect(reopened.snapshots.latest == info)
    #expect(try reopened.snapshots.read(offset: 0, count: 300_000) == data)
  }

  @Test("A newer snapshot replaces the older file; an unfinished one is deleted on open")
  func replacementAndLeftovers() throws {
    let storage = try open()
    let first = try storage.snapshots.beginWriting(lastIndex: 10, lastTerm: 1)
    try first.write(Self.data(100), at: 0)
    try first.finish()
    let second = try storage.snapshots.beginWriting(lastIndex: 20, lastTerm: 2)
    try second.write(Self.data(200), at: 0)
    try second.finish()
    #expect(storage.snapshots.latest?.lastIndex == 20)
    let partial = try storage.snapshots.beginWriting(lastIndex: 30, lastTerm: 2)
    try partial.write(Self.data(50), at: 0)
    storage.close()
    #expect(TemporaryDirectory.list(path + "/snapshots").count == 2, "the finished snapshot and the partial one")
    let reopened = try open()
    #expect(reopened.snapshots.latest?.lastIndex == 20)
    #expect(
      TemporaryDirectory.list(path + "/snapshots") == ["00000000000000000020-00000000000000000002.snapshot"])
    let aborted = try reopened.snapshots.beginWriting(lastIndex: 40, lastTerm: 3)
    try aborted.abort()
    #expect(TemporaryDirectory.list(path + "/snapshots").count == 1)
  }

  @Test("A damaged snapshot is an error naming the file")
  func corruption() throws {
    let storage = try open()
    let writer = try storage.snapshots.beginWriting(lastIndex: 5, lastTerm: 1)
    try writer.write(Self.data(10_000), at: 0)
    try writer.finish()
    storage.close()
    let file = path + "/snapshots/00000000000000000005-00000000000000000001.snapshot"
    var bytes = Files.read(file)
    bytes[4_321] ^= 1
    Files.write(file, bytes)
    #expect(throws: FileStorageError.corruptSnapshot(file: file, reason: "data checksum mismatch")) { try open() }
    bytes[4_321] ^= 1
    Files.write(file, Array(bytes.dropLast(3)))
    #expect(throws: FileStorageError.self) { try open() }
  }
}

/// What recovery tells the operator, and locks held by another process.
@Suite("FileStorage recovery reporting")
struct RecoveryReportingTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }

  @Test("A repaired torn tail is logged with the number of bytes dropped")
  func tornTailIsLogged() throws {
    let storage = try FileStorage(directory: path)
    Log.persist(storage, [Log.request(1, entries: Log.entries([1, 1, 1], payloadSize: 30))])
    storage.close()
    let segment = Files.segments(in: path)[0]
    Files.truncate(segment, to: Files.written(segment).count - 7)
    let (logger, messages) = CapturingLogHandler.logger()
    let reopened = try FileStorage(directory: path, logger: logger)
    #expect(try reopened.recover().entries.count == 2)
    let line = messages.all.first { $0.contains("torn write") }
    #expect(line?.contains("dropping \(8 + 17 + 30 - 7) bytes") == true, "logged: \(messages.all)")
    #expect(line?.contains(segment) == true)
  }

  @Test("A directory another process holds open is refused")
  func lockedByAnotherProcess() throws {
    let child = try ChildProcess(executable: "file-storage-crash-child", arguments: [path, "1", "4", "65536"])
    let ready = child.readLine()
    #expect(ready?.hasPrefix("ready") == true)
    var acknowledged = false
    while !acknowledged, let line = child.readLine() { acknowledged = line.hasPrefix("a ") }
    #expect(acknowledged, "the child acknowledged a write")
    #expect(throws: FileStorageError.directoryLocked(directory: path)) { try FileStorage(directory: path) }
    child.killNow()
    // The kernel drops the lock with the process.
    let storage = try FileStorage(directory: path)
    #expect(try storage.recover().entries.first?.index == 1)
  }
}
