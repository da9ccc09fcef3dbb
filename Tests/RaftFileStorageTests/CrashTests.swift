import Glibc
import Raft
import RaftFileStorage
import Testing

/// Real crashes: a child process appends under load (and in one mode rewrites the tail of its
/// log with higher terms, as a follower does after a conflict) and is killed with SIGKILL at a
/// random point. On reopening, the log must hold everything the last acknowledged request left,
/// in order, byte for byte, except where a later request replaced it.
///
/// Serialized: each child appends as fast as it can, and four at once would starve the timing-
/// sensitive tests that run beside this suite on a two-core machine.
@Suite("FileStorage crashes", .serialized)
struct CrashTests {
  /// Same payload function as the child's.
  static func payload(for index: UInt64, term: UInt64) -> [UInt8] {
    let size = Int((index &* 2_654_435_761 &+ term) % 300)
    return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0) &* 31 &+ term) }
  }

  struct Submitted {
    var first: Int
    var count: Int
    var term: UInt64
    /// Whether it carried a hard state (term, vote for node `term % 3 + 1`, commit index).
    var hasHardState: Bool
  }

  @Test(
    "SIGKILL at random points never loses an acknowledged entry",
    arguments: [(11, false), (29, false), (47, true), (83, true)] as [(UInt64, Bool)])
  func killedWhileAppending(seed: UInt64, conflicts: Bool) throws {
    print("crash test seed \(seed)\(conflicts ? " with conflicts" : "")")
    let directory = TemporaryDirectory()
    let path = directory.path + "/data"
    var generator = Xorshift(seed: seed)
    /// The terms of the log as last recovered, index 1 first.
    var recoveredTerms: [UInt64] = []
    for round in 0..<4 {
      let outstanding = [1, 16, 64, 256][Int(generator.next() % 4)]
      let context = "seed \(seed) round \(round) outstanding \(outstanding)"
      var arguments = [path, String(seed &+ UInt64(round)), String(outstanding), "16384"]
      if conflicts { arguments.append("conflicts") }
      let child = try ChildProcess(executable: "file-storage-crash-child", arguments: arguments)
      guard let ready = child.readLine(), ready == "ready \(recoveredTerms.count)" else {
        Issue.record("\(context): the child did not start from the recovered log")
        return
      }
      // Kill after a random number of acknowledgements, so the kill lands mid-write or mid-sync.
      let killAfter = 5 + Int(generator.next() % 300)
      var submitted: [Submitted] = []
      var acknowledged = 0
      func take(_ line: String) -> Bool {
        let fields = line.split(separator: " ")
        if fields.first == "s", fields.count == 6, let id = Int(fields[1]), let first = Int(fields[2]),
          let count = Int(fields[3]), let term = UInt64(fields[4]), id == submitted.count + 1
        {
          submitted.append(Submitted(first: first, count: count, term: term, hasHardState: fields[5] == "h"))
          return true
        }
        if fields.first == "a", fields.count == 2, let id = Int(fields[1]), id == acknowledged + 1,
          id <= submitted.count
        {
          acknowledged = id
          return true
        }
        Issue.record("\(context): unexpected line \(line) (acknowledgements must come in order)")
        return false
      }
      while acknowledged < killAfter, let line = child.readLine() { guard take(line) else { return } }
      child.killNow()
      // Lines written before the kill are still in the pipe.
      while let line = child.readLine() { guard take(line) else { return } }

      // The log the last acknowledged request left, and how much of it no later request touched.
      var expected = recoveredTerms
      for request in submitted.prefix(acknowledged) {
        expected.removeSubrange(min(request.first - 1, expected.count)...)
        expected += [UInt64](repeating: request.term, count: request.count)
      }
      let untouched = submitted.dropFirst(acknowledged).map { $0.first - 1 }.min() ?? expected.count
      let mustSurvive = min(expected.count, untouched)

      let storage = try FileStorage(directory: path, options: FileStorageOptions(segmentSize: 16384))
      let recovered = try storage.recover()
      let entries = recovered.entries
      storage.close()
      // Term and vote are durable once acknowledged; the commit index may lag but never points
      // past the recovered log.
      if let lastHardState = submitted.prefix(acknowledged).last(where: \.hasHardState) {
        #expect(
          recovered.hardState.term.rawValue >= lastHardState.term,
          "\(context): term \(lastHardState.term) was acknowledged, \(recovered.hardState.term) recovered")
        if recovered.hardState.term.rawValue == lastHardState.term {
          #expect(recovered.hardState.votedFor == NodeID(lastHardState.term % 3 + 1), "\(context): vote lost")
        }
      }
      #expect(
        recovered.hardState.commitIndex.rawValue <= UInt64(entries.count),
        "\(context): commit index \(recovered.hardState.commitIndex) past the log's \(entries.count) entries")
      recoveredTerms = entries.map(\.term.rawValue)
      #expect(
        entries.count >= mustSurvive,
        "\(context): \(acknowledged) requests acknowledged, \(mustSurvive) entries must survive, \(entries.count) recovered"
      )
      for (offset, entry) in entries.enumerated() {
        let index = UInt64(offset + 1)
        let intact =
          entry.index.rawValue == index && entry.payload == Self.payload(for: index, term: entry.term.rawValue)
          && (offset >= mustSurvive || entry.term.rawValue == expected[offset])
        if !intact {
          Issue.record("\(context): entry \(index) recovered as \(entry), expected term \(expected[safe: offset] ?? 0)")
          return
        }
      }
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
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
