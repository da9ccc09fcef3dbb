// Appends to a FileStorage under load, printing every request before it is submitted
// ("s <id> <first index> <count> <term> <h if it carries a hard state, else ->") and again when its completion runs ("a <id>"). With
// conflicts on, some requests rewrite the last few entries with a higher term, as a follower
// does when a new leader's log differs. The crash tests SIGKILL it at random points and check
// that what was acknowledged survived.
//
// Usage: file-storage-crash-child <directory> <seed> <outstanding requests> <segment size> [conflicts]
import Dispatch
import Glibc
import Raft
import RaftFileStorage

/// The payload every test expects at `index` in `term`: its size and bytes derive from them alone.
func payload(for index: UInt64, term: UInt64) -> [UInt8] {
  let size = Int((index &* 2_654_435_761 &+ term) % 300)
  return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0) &* 31 &+ term) }
}

func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

// Drop every descriptor inherited from the test process but the standard ones: sockets of tests
// running beside the crash tests would otherwise stay open here after those tests close them.
for descriptor in Int32(3)..<Int32(4096) { close(descriptor) }

let arguments = CommandLine.arguments
guard arguments.count == 5 || arguments.count == 6, let seed = UInt64(arguments[2]),
  let outstanding = Int(arguments[3]),
  let segmentSize = Int(arguments[4])
else {
  say("usage: file-storage-crash-child <directory> <seed> <outstanding> <segment size> [conflicts]")
  exit(2)
}

let conflicts = arguments.count == 6 && arguments[5] == "conflicts"

do {
  let storage = try FileStorage(
    directory: arguments[1], options: FileStorageOptions(segmentSize: segmentSize, cachedEntryCount: 64))
  let recovered = try storage.recover()
  var next = (recovered.entries.last?.index.rawValue ?? 0) + 1
  var term = max(recovered.hardState.term.rawValue, recovered.entries.last?.term.rawValue ?? 1)
  say("ready \(next - 1)")
  var random = seed | 1
  func nextRandom() -> UInt64 {
    random ^= random << 13
    random ^= random >> 7
    random ^= random << 17
    return random
  }
  let slots = DispatchSemaphore(value: outstanding)
  var id: UInt64 = 1
  while next < 10_000_000 {
    slots.wait()
    let count = 1 + nextRandom() % 5
    if nextRandom() % 50 == 0 { term += 1 }
    if conflicts && next > 4 && nextRandom() % 8 == 0 {
      // A new leader replaces the last few entries.
      term += 1
      next -= 1 + nextRandom() % 3
    }
    let entries = (0..<count).map { offset in
      LogEntry(index: LogIndex(next + offset), term: Term(term), payload: payload(for: next + offset, term: term))
    }
    // Without conflicts the entries before this request count as committed: their commit index
    // rides along, and may come back older after a crash (it is made durable lazily).
    let hardState =
      nextRandom() % 4 == 0
      ? HardState(term: Term(term), votedFor: NodeID(term % 3 + 1), commitIndex: LogIndex(conflicts ? 0 : next - 1))
      : nil
    let requestID = id
    say("s \(requestID) \(next) \(count) \(term) \(hardState == nil ? "-" : "h")")
    storage.persist(PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: entries)) {
      result in
      switch result {
      case .success: say("a \(requestID)")
      case .failure(let error):
        say("error \(error)")
        exit(1)
      }
      slots.signal()
    }
    next += count
    id += 1
  }
} catch {
  say("error \(error)")
  exit(1)
}
