import Glibc
import Raft
import RaftFileStorage
import Synchronization
import Testing

/// The file storage's own behaviour beyond the shared conformance suite: segments, reads from
/// disk, compaction, the fsync thread, the lock and the format file.
@Suite("FileStorage")
struct FileStorageTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }

  func open(segmentSize: Int = 4096, cache: Int = 8) throws -> FileStorage {
    try FileStorage(directory: path, options: FileStorageOptions(segmentSize: segmentSize, cachedEntryCount: cache))
  }

  @Test("Segments roll at the configured size and reads beyond the cache come from disk")
  func segmentsAndReads() throws {
    let storage = try open()
    let written = Log.entries([UInt64](repeating: 1, count: 500), payloadSize: 100)
    Log.persist(
      storage,
      stride(from: 0, to: 500, by: 50).map { Log.request(UInt64($0 + 1), entries: Array(written[$0..<$0 + 50])) })
    #expect(storage.segmentCount > 10, "500 records of 125 bytes fill more than ten 4 KiB segments")
    for segment in Files.segments(in: path) { #expect(Files.size(segment) <= 4096) }
    #expect(try storage.entries(in: 1...500) == written)
    #expect(try storage.entries(in: 17...17) == [written[16]])
    #expect(try storage.entries(in: 490...500) == Array(written[489...]), "a range that spans disk and cache")
    #expect(throws: FileStorageError.indexOutOfRange(requested: 501, first: 1, last: 500)) {
      try storage.entries(in: 499...501)
    }
    storage.close()
    let reopened = try open()
    #expect(try reopened.entries(in: 1...500) == written)
    #expect(reopened.firstIndex == 1 && reopened.lastIndex == 500)
  }

  @Test("A conflict in an early segment removes the later segments durably")
  func conflictAcrossSegments() throws {
    let storage = try open()
    Log.persist(storage, [Log.request(1, entries: Log.entries([UInt64](repeating: 1, count: 300), payloadSize: 100))])
    let before = storage.segmentCount
    Log.persist(storage, [Log.request(2, entries: Log.entries([2, 2], from: 40, payloadSize: 100))])
    #expect(storage.segmentCount < before)
    #expect(storage.lastIndex == 41)
    let cut = Files.segments(in: path).last!
    #expect(Files.size(cut) == 4096, "the cut segment keeps its preallocated space")
    storage.close()
    let reopened = try open()
    let entries = try reopened.recover().entries
    #expect(entries.count == 41)
    #expect(entries.map(\.term.rawValue) == [UInt64](repeating: 1, count: 39) + [2, 2])
  }

  @Test("Completions run on the fsync thread, in order, and a write after close fails")
  func completionsOffTheCallersThread() throws {
    let storage = try open()
    let caller = pthread_self()
    let threads = Mutex<[pthread_t]>([])
    let acknowledgements = Acknowledgements()
    for id in UInt64(1)...50 {
      let completion = acknowledgements.completion(id)
      storage.persist(Log.request(id, entries: Log.entries([1], from: id))) { result in
        threads.withLock { $0.append(pthread_self()) }
        completion(result)
      }
    }
    acknowledgements.wait(for: 50)
    #expect(acknowledgements.ids == Array(1...50))
    #expect(acknowledgements.errors.isEmpty)
    #expect(threads.withLock { $0 }.allSatisfy { pthread_equal($0, caller) == 0 })
    storage.close()
    let late = Acknowledgements()
    storage.persist(Log.request(51, entries: Log.entries([1], from: 51)), completion: late.completion(51))
    late.wait(for: 1)
    #expect(late.errors.count == 1)
  }

  @Test("A write that would leave a hole fails, and every later write fails too")
  func holeFails() throws {
    let (logger, messages) = CapturingLogHandler.logger()
    let storage = try FileStorage(directory: path, logger: logger)
    Log.persist(storage, [Log.request(1, entries: Log.entries([1, 1]))])
    let acknowledgements = Log.persist(
      storage, [Log.request(2, entries: Log.entries([1], from: 5)), Log.request(3, entries: Log.entries([1], from: 3))])
    #expect(acknowledgements.ids == [2, 3])
    #expect(acknowledgements.errors.count == 2)
    #expect(messages.all.contains { $0.contains("write failed") })
  }

  @Test("Compaction removes whole segments, survives reopening, and a leftover segment is deleted on open")
  func compaction() throws {
    let storage = try open()
    let written = Log.entries([UInt64](repeating: 1, count: 400), payloadSize: 100)
    Log.persist(storage, [Log.request(1, entries: written)])
    let segmentsBefore = Files.segments(in: path)
    let first = try storage.compact(through: 250)
    #expect(first > 1 && first <= 251)
    #expect(storage.firstIndex == first)
    #expect(try storage.entries(in: first...400) == Array(written[Int(first.rawValue - 1)...]))
    #expect(throws: FileStorageError.self) { try storage.entries(in: 1...2) }
    let removed = segmentsBefore.filter { !Files.segments(in: path).contains($0) }
    #expect(!removed.isEmpty)
    storage.close()
    // A crash between recording the new start and deleting the files leaves old segments behind.
    Files.write(removed[0], [UInt8](repeating: 0, count: 0))
    let reopened = try open()
    #expect(reopened.firstIndex == first)
    #expect(!Files.segments(in: path).contains(removed[0]))
    #expect(try reopened.recover().entries == Array(written[Int(first.rawValue - 1)...]))
  }

  @Test("A second open of a locked directory is refused, and allowed once the first is closed")
  func lockedDirectory() throws {
    let storage = try open()
    #expect(throws: FileStorageError.directoryLocked(directory: path)) { try open() }
    storage.close()
    _ = try open()
  }

  @Test("An unknown format version is refused by name, and so is a directory without a format file")
  func formatVersion() throws {
    try open().close()
    Files.write(path + "/FORMAT", Array("swiftraft-file-storage 2\n".utf8))
    #expect(
      throws: FileStorageError.unsupportedFormatVersion(file: path + "/FORMAT", found: "swiftraft-file-storage 2")
    ) {
      try open()
    }
    unlink(path + "/FORMAT")
    #expect(throws: FileStorageError.missingFormatFile(directory: path)) { try open() }
  }

  @Test("A torn metadata slot falls back to the other one; two bad slots are an error")
  func metadataSlots() throws {
    let storage = try open()
    Log.persist(storage, [Log.request(1, hardState: HardState(term: 4, votedFor: 2), entries: [])])
    Log.persist(storage, [Log.request(2, hardState: HardState(term: 5, votedFor: 3), entries: [])])
    storage.close()
    var bytes = Files.read(path + "/metadata")
    #expect(bytes.count == 512 + 52, "two slots, the second one 512 bytes in")
    // The second update went to slot 0 (sequence 2); tear it.
    bytes[20] ^= 0xFF
    Files.write(path + "/metadata", bytes)
    let reopened = try open()
    #expect(try reopened.recover().hardState == HardState(term: 4, votedFor: 2))
    reopened.close()
    bytes[512 + 20] ^= 0xFF
    Files.write(path + "/metadata", bytes)
    #expect(throws: FileStorageError.corruptMetadata(file: path + "/metadata")) { try open() }
    unlink(path + "/metadata")
    let again = try open()
    Log.persist(again, [Log.request(3, hardState: HardState(term: 6), entries: Log.entries([6]))])
    again.close()
    unlink(path + "/metadata")
    #expect(throws: FileStorageError.missingMetadata(file: path + "/metadata")) { try open() }
  }
}

@Suite("FileStorage log start")
struct LogStartTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }

  @Test("Discarding the log and starting at a later index survives reopening")
  func discardAndRestart() throws {
    let storage = try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 4096))
    Log.persist(storage, [Log.request(1, entries: Log.entries([UInt64](repeating: 1, count: 200), payloadSize: 50))])
    try storage.discardLog(nextIndex: 501)
    #expect(storage.firstIndex == 501 && storage.lastIndex == 500)
    #expect(Files.segments(in: path).isEmpty)
    storage.close()
    var reopened = try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 4096))
    #expect(try reopened.recover().entries.isEmpty)
    #expect(reopened.firstIndex == 501)
    let acknowledgements = Log.persist(reopened, [Log.request(2, entries: Log.entries([2, 2], from: 501))])
    #expect(acknowledgements.errors.isEmpty)
    reopened.close()
    reopened = try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 4096))
    #expect(try reopened.recover().entries == Log.entries([2, 2], from: 501))
  }

  @Test("An empty storage may start its log at any index, and remembers it")
  func startAnywhere() throws {
    let storage = try FileStorage(directory: path)
    Log.persist(storage, [Log.request(1, entries: Log.entries([3, 3], from: 77))])
    storage.close()
    let reopened = try FileStorage(directory: path)
    #expect(try reopened.recover().entries == Log.entries([3, 3], from: 77))
  }
}

@Suite("FileStorage lifetime")
struct LifetimeTests {
  @Test("A storage whose last reference goes away inside its own completion shuts down cleanly")
  func releasedInsideCompletion() throws {
    let directory = TemporaryDirectory()
    let done = Acknowledgements()
    do {
      let storage = try FileStorage(directory: directory.path + "/data")
      let holder = Mutex<FileStorage?>(storage)
      storage.persist(Log.request(1, entries: Log.entries([1]))) { result in
        // The closure owns the last reference once the test lets go of its own.
        let last = holder.withLock { held in
          defer { held = nil }
          return held
        }
        _ = last
        done.completion(1)(result)
      }
    }
    done.wait(for: 1)
    #expect(done.ids == [1])
    // The directory is free again once the storage is gone.
    usleep(50_000)
    let reopened = try FileStorage(directory: directory.path + "/data")
    #expect(try reopened.recover().entries.count == 1)
  }
}
