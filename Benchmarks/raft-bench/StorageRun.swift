import Dispatch
import Foundation
import Glibc
import Raft
import RaftFileStorage
import Synchronization

/// The measured loops of `raft-bench storage`.
enum StorageRun {
  struct Measurement {
    var operationsPerSecond: Double
    var p50: Double
    var p99: Double
    var entriesPerSync: Double = 1
  }

  static func percentiles(_ samples: [UInt64]) -> (Double, Double) {
    guard !samples.isEmpty else { return (.nan, .nan) }
    let sorted = samples.sorted()
    func rank(_ fraction: Double) -> Double {
      let position = Int((fraction * Double(sorted.count)).rounded(.up))
      return Double(sorted[min(max(position, 1), sorted.count) - 1]) / 1_000
    }
    return (rank(0.5), rank(0.99))
  }

  /// Appends a block and fdatasyncs it, one after another.
  static func rawFsync(path: String, blockSize: Int, seconds: Double, limit: Int) throws -> Measurement {
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BenchmarkError("open \(path): errno \(errno)") }
    defer {
      close(fd)
      unlink(path)
    }
    let block = [UInt8](repeating: 0xA5, count: blockSize)
    var samples: [UInt64] = []
    let start = MonotonicClock.nanoseconds()
    let deadline = start + UInt64(seconds * 1e9)
    var offset = 0
    while samples.count < limit {
      let before = MonotonicClock.nanoseconds()
      if before >= deadline { break }
      guard block.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }) == blockSize,
        fdatasync(fd) == 0
      else { throw BenchmarkError("write or fdatasync \(path): errno \(errno)") }
      offset += blockSize
      samples.append(MonotonicClock.nanoseconds() - before)
    }
    let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
    let (p50, p99) = percentiles(samples)
    return Measurement(operationsPerSecond: Double(samples.count) / elapsed, p50: p50, p99: p99)
  }

  /// `writers` writers, each with one outstanding single-entry request.
  static func appends(
    directory: String, writers: Int, payloadSize: Int, seconds: Double, limit: Int, segmentSize: Int,
    withHardState: Bool
  ) throws -> Measurement {
    let storage = try FileStorage(
      directory: directory, options: FileStorageOptions(segmentSize: segmentSize, cachedEntryCount: 1024))
    defer { storage.close() }
    let payload = [UInt8](repeating: 0x5A, count: payloadSize)
    // Completions hand the finished writer back to the submitting thread.
    let finished = Mutex<[(writer: Int, latency: UInt64)]>([])
    let wakeup = DispatchSemaphore(value: 0)
    var index: UInt64 = 1
    var id: UInt64 = 1
    func submit(_ writer: Int, at now: UInt64) {
      let entry = LogEntry(index: LogIndex(index), term: 1, payload: payload)
      let start = now
      // As a leader's requests do: the commit index moves with almost every write.
      let hardState = withHardState ? HardState(term: 1, votedFor: 1, commitIndex: LogIndex(index - 1)) : nil
      storage.persist(PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: [entry])) {
        _ in
        let latency = MonotonicClock.nanoseconds() - start
        finished.withLock { $0.append((writer, latency)) }
        wakeup.signal()
      }
      index += 1
      id += 1
    }
    let warmup = 4 * writers
    var completed = 0
    var samples: [UInt64] = []
    samples.reserveCapacity(min(limit, 1 << 22))
    var measureStart: UInt64 = 0
    var syncsAtStart = 0
    var deadline = UInt64.max
    let begin = MonotonicClock.nanoseconds()
    for writer in 0..<writers { submit(writer, at: begin) }
    var inFlight = writers
    while inFlight > 0 {
      wakeup.wait()
      let batch = finished.withLock { list in
        defer { list.removeAll(keepingCapacity: true) }
        return list
      }
      let now = MonotonicClock.nanoseconds()
      for (writer, latency) in batch {
        completed += 1
        inFlight -= 1
        if completed == warmup {
          measureStart = now
          syncsAtStart = storage.completedSyncRounds
          deadline = now + UInt64(seconds * 1e9)
        } else if completed > warmup {
          samples.append(latency)
        }
        if now < deadline && samples.count < limit {
          submit(writer, at: now)
          inFlight += 1
        }
      }
    }
    let elapsed = Double(MonotonicClock.nanoseconds() - measureStart) / 1e9
    let (p50, p99) = percentiles(samples)
    let syncs = max(storage.completedSyncRounds - syncsAtStart, 1)
    return Measurement(
      operationsPerSecond: Double(samples.count) / elapsed, p50: p50, p99: p99,
      entriesPerSync: Double(samples.count) / Double(syncs))
  }

  static func remove(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
  }

}

struct BenchmarkError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
