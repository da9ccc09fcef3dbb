import Glibc
import Raft
import RaftFileStorage
import Testing

/// Real crashes: a child process appends under load and is killed with SIGKILL at a random
/// point; on reopening, every entry it reported as acknowledged must be there, in order, with
/// exactly the bytes written, and the log must be contiguous.
@Suite("FileStorage crashes")
struct CrashTests {
  /// Same payload function as the child's.
  static func payload(for index: UInt64) -> [UInt8] {
    let size = Int((index &* 2_654_435_761) % 300)
    return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0) &* 31) }
  }

  @Test("SIGKILL at random points never loses an acknowledged entry", arguments: [11, 29, 47] as [UInt64])
  func killedWhileAppending(seed: UInt64) throws {
    print("crash test seed \(seed)")
    let directory = TemporaryDirectory()
    let path = directory.path + "/data"
    var generator = Xorshift(seed: seed)
    var acknowledgedOverall: UInt64 = 0
    for round in 0..<4 {
      let outstanding = [1, 16, 64, 256][Int(generator.next() % 4)]
      let child = try ChildProcess(
        executable: "file-storage-crash-child",
        arguments: [path, String(seed &+ UInt64(round)), String(outstanding), "16384"])
      guard let ready = child.readLine(), ready.hasPrefix("ready ") else {
        Issue.record("seed \(seed) round \(round): the child did not start")
        return
      }
      #expect(
        UInt64(ready.dropFirst(6))! >= acknowledgedOverall,
        "seed \(seed): the child recovered less than was acknowledged")
      // Kill after a random number of acknowledgements, so the kill lands mid-write or mid-sync.
      let killAfter = 5 + Int(generator.next() % 300)
      var acknowledged = acknowledgedOverall
      var lines = 0
      while lines < killAfter, let line = child.readLine() {
        guard let index = UInt64(line) else {
          Issue.record("seed \(seed): child said \(line)")
          return
        }
        #expect(index > acknowledged, "acknowledgements out of order")
        acknowledged = index
        lines += 1
      }
      child.killNow()
      // Lines written before the kill are still in the pipe.
      while let line = child.readLine() { if let index = UInt64(line) { acknowledged = max(acknowledged, index) } }
      let storage = try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 16384))
      let entries = try storage.recover().entries
      storage.close()
      #expect(
        UInt64(entries.count) >= acknowledged,
        "seed \(seed) round \(round): acknowledged through \(acknowledged) but recovered \(entries.count)")
      for (offset, entry) in entries.enumerated()
      where entry.index.rawValue != UInt64(offset + 1) || entry.payload != Self.payload(for: entry.index.rawValue) {
        Issue.record("seed \(seed) round \(round): entry \(offset + 1) recovered as \(entry)")
        break
      }
      acknowledgedOverall = acknowledged
    }
  }
}

struct Xorshift {
  var state: UInt64
  init(seed: UInt64) { state = seed | 1 }
  mutating func next() -> UInt64 {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return state
  }
}
