import Glibc
import Raft
import RaftFileStorage
import Testing

/// Opening after damage: a torn tail is repaired, anything else is a clear error that names the
/// file and offset and leaves the files as they were.
@Suite("FileStorage recovery")
struct RecoveryTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }
  /// Header, then records of 8 + 17 + payload bytes.
  static let payloadSize = 40
  static let recordSize = 8 + 17 + payloadSize

  func open() throws -> FileStorage {
    try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 4096, cachedEntryCount: 4))
  }

  /// Writes `count` entries of fixed size and closes the storage.
  func writeLog(count: Int) throws -> [LogEntry] {
    let storage = try open()
    let entries = Log.entries([UInt64](repeating: 1, count: count), payloadSize: Self.payloadSize)
    Log.persist(storage, [Log.request(1, hardState: HardState(term: 1), entries: entries)])
    storage.close()
    return entries
  }

  func snapshotOfFiles() -> [String: [UInt8]] {
    Dictionary(uniqueKeysWithValues: Files.segments(in: path).map { ($0, Files.read($0)) })
  }

  @Test("A flipped byte in the middle of the log is an error naming the file and the record's offset")
  func flippedByte() throws {
    _ = try writeLog(count: 150)
    let segments = Files.segments(in: path)
    #expect(segments.count >= 3)
    for (segment, recordNumber, byteInRecord) in [(segments[1], 5, 30), (segments.last!, 2, 3), (segments[0], 0, 0)] {
      var bytes = Files.read(segment)
      let recordOffset = 32 + recordNumber * Self.recordSize
      bytes[recordOffset + byteInRecord] ^= 0x40
      Files.write(segment, bytes)
      let before = snapshotOfFiles()
      #expect {
        try open()
      } throws: { error in
        guard case .corruptRecord(let file, let offset, _) = error as? FileStorageError else { return false }
        return file == segment && offset == Int64(recordOffset)
      }
      #expect(snapshotOfFiles() == before, "a refused open touches nothing")
      bytes[recordOffset + byteInRecord] ^= 0x40
      Files.write(segment, bytes)
    }
    #expect(try open().recover().entries.count == 150)
  }

  @Test("The tail cut at every byte offset of the last record is repaired, keeping everything before it")
  func truncatedTail() throws {
    let entries = try writeLog(count: 70)
    let last = Files.segments(in: path).last!
    let original = Files.written(last)
    let lastRecordStart = original.count - Self.recordSize
    for cut in lastRecordStart..<original.count {
      Files.write(last, Array(original[..<cut]))
      let storage = try open()
      #expect(try storage.recover().entries == Array(entries.dropLast()), "cut at \(cut)")
      #expect(Files.written(last).count == lastRecordStart)
      // The repaired log takes new writes where the torn record was.
      Log.persist(storage, [Log.request(2, entries: [entries.last!])])
      storage.close()
      #expect(Files.written(last) == original)
    }
  }

  @Test("Zeros after the last record (preallocated space, or a file extended but never written) end the log")
  func zeroTail() throws {
    let entries = try writeLog(count: 10)
    let last = Files.segments(in: path).last!
    #expect(Files.size(last) == 4096, "a new segment is preallocated to the segment size")
    Files.write(last, Files.written(last) + [UInt8](repeating: 0, count: 5000))
    let storage = try open()
    #expect(try storage.recover().entries == entries)
    #expect(Files.written(last).count == 32 + 10 * Self.recordSize)
    // New writes go right after the last record.
    let next = Log.entries([1], from: 11, payloadSize: Self.payloadSize)
    Log.persist(storage, [Log.request(2, entries: next)])
    storage.close()
    #expect(Files.written(last).count == 32 + 11 * Self.recordSize)
    #expect(try open().recover().entries == entries + next)
  }

  @Test("A segment deleted from the middle is an error naming where the log breaks")
  func missingSegment() throws {
    _ = try writeLog(count: 200)
    let segments = Files.segments(in: path)
    unlink(segments[2])
    let before = snapshotOfFiles()
    #expect {
      try open()
    } throws: { error in
      guard case .missingSegment(let file, let expected, let found) = error as? FileStorageError else { return false }
      return file == segments[3] && found > expected
    }
    #expect(snapshotOfFiles() == before)
  }

  @Test("A missing first segment is an error too, not a silently shorter log")
  func missingFirstSegment() throws {
    _ = try writeLog(count: 200)
    unlink(Files.segments(in: path)[0])
    #expect(throws: FileStorageError.self) { try open() }
  }

  @Test("A record cut short in a segment that is not the last is corruption, not a torn tail")
  func shortEarlierSegment() throws {
    _ = try writeLog(count: 200)
    let segment = Files.segments(in: path)[1]
    Files.truncate(segment, to: Files.written(segment).count - 10)
    #expect {
      try open()
    } throws: { error in
      guard case .corruptRecord(let file, _, _) = error as? FileStorageError else { return false }
      return file == segment
    }
  }
}

/// Segment headers: a new segment whose header a crash tore is dropped; a damaged header
/// anywhere else is an error.
@Suite("FileStorage segment headers")
struct SegmentHeaderTests {
  let directory = TemporaryDirectory()
  var path: String { directory.path + "/data" }

  func open() throws -> FileStorage {
    try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 4096))
  }

  @Test("A last segment with a torn header is removed; the log before it is kept")
  func tornNewSegment() throws {
    let storage = try open()
    let entries = Log.entries([UInt64](repeating: 1, count: 100), payloadSize: 40)
    Log.persist(storage, [Log.request(1, entries: entries)])
    storage.close()
    let torn = path + "/log/00000000000000000101.segment"
    Files.write(torn, [UInt8](repeating: 0, count: 12))
    #expect(try open().recover().entries == entries)
    #expect(Files.size(torn) == -1)
  }

  @Test("A damaged header in an earlier segment is an error naming the segment")
  func damagedHeader() throws {
    let storage = try open()
    Log.persist(storage, [Log.request(1, entries: Log.entries([UInt64](repeating: 1, count: 200), payloadSize: 40))])
    storage.close()
    let segment = Files.segments(in: path)[1]
    var bytes = Files.read(segment)
    bytes[9] ^= 0x01
    Files.write(segment, bytes)
    #expect(throws: FileStorageError.corruptSegmentHeader(file: segment)) { try open() }
  }
}
