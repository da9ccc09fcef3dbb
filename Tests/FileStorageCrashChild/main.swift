// Appends to a FileStorage under load and prints the last index of every acknowledged request,
// one per line, as its completion runs. The crash tests SIGKILL it at random points and check
// that every index it printed survives.
//
// Usage: file-storage-crash-child <directory> <seed> <outstanding requests> <segment size>
import Dispatch
import Glibc
import Raft
import RaftFileStorage

/// The payload every test expects at `index`: its size and bytes derive from the index alone.
func payload(for index: UInt64) -> [UInt8] {
  let size = Int((index &* 2_654_435_761) % 300)
  return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0) &* 31) }
}

func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 5, let seed = UInt64(arguments[2]), let outstanding = Int(arguments[3]),
  let segmentSize = Int(arguments[4])
else {
  say("usage: file-storage-crash-child <directory> <seed> <outstanding> <segment size>")
  exit(2)
}

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
    let entries = (0..<count).map { offset in
      LogEntry(index: LogIndex(next + offset), term: Term(term), payload: payload(for: next + offset))
    }
    let hardState = nextRandom() % 4 == 0 ? HardState(term: Term(term), commitIndex: LogIndex(next - 1)) : nil
    let last = next + count - 1
    storage.persist(PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: entries)) {
      result in
      switch result {
      case .success: say("\(last)")
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
