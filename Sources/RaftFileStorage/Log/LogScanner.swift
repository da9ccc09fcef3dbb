import Raft

/// One segment as recovery found it.
struct ScannedSegment {
  var path: String
  var firstIndex: UInt64
  /// The offset of each record, in index order.
  var offsets: [UInt32]
  /// Where the valid records end.
  var validLength: Int64
  var lastTerm: UInt64?
}

/// What opening must do to the log directory, worked out before anything is changed so that an
/// error leaves every file as it was.
struct LogRecoveryPlan {
  /// The segments to keep, in order.
  var segments: [ScannedSegment] = []
  /// A torn tail: cut the last segment at `validLength`, dropping `droppedBytes`.
  var tornTail: (path: String, validLength: Int64, droppedBytes: Int64)?
  /// Files to delete, with the reason: segments compaction had finished with, or a last segment
  /// whose header a crash tore.
  var removals: [(path: String, reason: String)] = []
}

/// Reads every segment, checks it and decides what recovery keeps.
///
/// Segments are preallocated, so zeros after a segment's last record are its unwritten space,
/// not damage: the records end there.
///
/// A crash can damage only the end of the log: the records written after the last completed
/// fsync, all in the last segment. So a bad or incomplete record there, with no valid record
/// after it, is a torn write and is cut off. Anything else (a bad record with valid ones after
/// it, damage in an earlier segment, a gap in the indexes, a missing segment) cannot come from a
/// crash and is reported as an error naming the file and offset.
///
/// One case the rule cannot tell apart: after a power loss (not a process crash) in the middle
/// of an fsync, a disk may have written later pages of the unsynced tail but not earlier ones;
/// that tail is then reported as corruption rather than cut. This errs on the side of stopping:
/// an error is never a silent loss.
enum LogScanner {
  static func scan(directory: DataDirectory, logStart: UInt64, maximumRecordSize: Int) throws -> LogRecoveryPlan {
    var plan = LogRecoveryPlan()
    guard FileSystem.exists(directory.logDirectory) else { return plan }
    var named: [(index: UInt64, path: String)] = try FileSystem.list(directory.logDirectory).compactMap { name in
      StorageFormat.firstIndex(ofSegmentNamed: name).map { ($0, directory.logDirectory + "/" + name) }
    }
    named.sort { $0.index < $1.index }
    // Segments whose successor starts at or before the log start hold only compacted entries: a
    // crash stopped compaction between recording the new start and deleting them.
    while named.count > 1 && named[1].index <= logStart {
      plan.removals.append((named.removeFirst().path, "compacted (log starts at \(logStart))"))
    }
    var expected: UInt64? = nil
    var previousTerm: UInt64 = 0
    for (position, segment) in named.enumerated() {
      let isLast = position == named.count - 1
      let fd = try FileSystem.open(segment.path, readOnly: true)
      defer { try? fd.close() }
      let bytes = try FileSystem.readAll(fd, path: segment.path)
      guard let headerIndex = SegmentHeader.decode(bytes), headerIndex == segment.index else {
        let tornHeader =
          bytes.count < SegmentHeader.size || bytes[0..<SegmentHeader.size].allSatisfy { $0 == 0 }
        if isLast && tornHeader
          && !validRecordFollows(bytes, after: 0, expectedIndex: segment.index, maximumRecordSize: maximumRecordSize)
        {
          plan.removals.append((segment.path, "torn segment header, \(bytes.count) bytes dropped"))
          break
        }
        throw FileStorageError.corruptSegmentHeader(file: segment.path)
      }
      if let expected {
        guard segment.index == expected else {
          if segment.index > expected {
            throw FileStorageError.missingSegment(
              file: segment.path, expectedFirstIndex: expected, foundFirstIndex: segment.index)
          }
          throw FileStorageError.indexGap(
            file: segment.path, offset: Int64(SegmentHeader.size), expected: expected, found: segment.index)
        }
      } else if segment.index > logStart {
        throw FileStorageError.missingSegment(
          file: segment.path, expectedFirstIndex: logStart, foundFirstIndex: segment.index)
      }
      var scanned = ScannedSegment(
        path: segment.path, firstIndex: segment.index, offsets: [], validLength: Int64(SegmentHeader.size))
      var index = segment.index
      var offset = SegmentHeader.size
      try bytes.withUnsafeBytes { raw in
        while offset < raw.count {
          let decoded = RecordFormat.decode(raw, at: offset, maximumSize: maximumRecordSize)
          // Preallocated space never written: the segment's records end here.
          if !decoded.isRecord && FileSystem.isZero(raw, from: offset) { break }
          switch decoded {
          case .record(let entry, let size):
            guard entry.index.rawValue == index else {
              throw FileStorageError.indexGap(
                file: segment.path, offset: Int64(offset), expected: index, found: entry.index.rawValue)
            }
            guard entry.term.rawValue >= previousTerm else {
              throw FileStorageError.corruptRecord(
                file: segment.path, offset: Int64(offset),
                reason: "term \(entry.term) after term \(previousTerm): terms never decrease along a log")
            }
            previousTerm = entry.term.rawValue
            scanned.offsets.append(UInt32(offset))
            scanned.lastTerm = entry.term.rawValue
            offset += size
            index += 1
          case .incomplete:
            guard isLast else {
              throw FileStorageError.corruptRecord(
                file: segment.path, offset: Int64(offset), reason: "record cut short in a segment that is not the last")
            }
            plan.tornTail = (segment.path, Int64(offset), Int64(raw.count - offset))
            return
          case .invalid(let reason):
            guard isLast,
              !validRecordFollows(bytes, after: offset, expectedIndex: index, maximumRecordSize: maximumRecordSize)
            else {
              throw FileStorageError.corruptRecord(file: segment.path, offset: Int64(offset), reason: reason)
            }
            plan.tornTail = (segment.path, Int64(offset), Int64(raw.count - offset))
            return
          }
        }
      }
      scanned.validLength = Int64(offset)
      plan.segments.append(scanned)
      expected = index
    }
    return plan
  }

  /// Whether a valid record with a plausible index starts anywhere after `offset`: if one does,
  /// the bad bytes at `offset` are not a torn tail but damage in the middle of the log.
  static func validRecordFollows(_ bytes: [UInt8], after offset: Int, expectedIndex: UInt64, maximumRecordSize: Int)
    -> Bool
  {
    bytes.withUnsafeBytes { raw in
      // Preallocated space is zeros: nothing to search.
      if FileSystem.isZero(raw, from: offset + 1) { return false }
      let limit = raw.count - RecordFormat.minimumRecordSize
      guard offset + 1 <= limit else { return false }
      let highestPlausibleIndex = expectedIndex + UInt64(raw.count / RecordFormat.minimumRecordSize) + 1
      for candidate in (offset + 1)...limit {
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: candidate, as: UInt32.self)))
        guard length >= RecordFormat.bodyFixedSize, candidate + RecordFormat.frameHeaderSize + length <= raw.count
        else { continue }
        let index = UInt64(
          littleEndian: raw.loadUnaligned(fromByteOffset: candidate + RecordFormat.frameHeaderSize, as: UInt64.self))
        guard index >= expectedIndex, index <= highestPlausibleIndex else { continue }
        if case .record = RecordFormat.decode(raw, at: candidate, maximumSize: maximumRecordSize) { return true }
      }
      return false
    }
  }
}
