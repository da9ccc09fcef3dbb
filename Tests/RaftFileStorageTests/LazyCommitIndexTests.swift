import Glibc
import Raft
import RaftFileStorage
import Testing

/// The commit index is made durable lazily (the `Storage` contract allows it): a new commit index
/// alone costs no metadata write and no second fsync, while term and vote are durable before a
/// request completes.
@Suite("FileStorage: lazily durable commit index")
struct LazyCommitIndexTests {
  let directory = TemporaryDirectory()
  /// Small segments: the copies below read and write every preallocated byte.
  static let options = FileStorageOptions(segmentSize: 65536)
  var path: String { directory.path + "/data" }

  /// What a crash that keeps the page cache leaves: a copy of every file as written so far,
  /// opened as a new storage.
  func crashCopy(_ name: String) throws -> PersistentState {
    let copy = directory.path + "/" + name
    Self.copyTree(from: path, to: copy)
    let storage = try FileStorage(directory: copy, options: Self.options)
    defer { storage.close() }
    return try storage.recover()
  }

  static func copyTree(from source: String, to destination: String) {
    mkdir(destination, 0o755)
    for name in TemporaryDirectory.list(source) where name != "." && name != ".." {
      var info = stat()
      guard lstat(source + "/" + name, &info) == 0 else { continue }
      if (info.st_mode & S_IFMT) == S_IFDIR {
        copyTree(from: source + "/" + name, to: destination + "/" + name)
      } else {
        Files.write(destination + "/" + name, Files.read(source + "/" + name))
      }
    }
  }

  @Test("A commit index alone is not written until the term or vote changes or the storage closes")
  func commitIndexWrittenLazily() throws {
    let storage = try FileStorage(directory: path, options: Self.options)
    let metadataFile = path + "/metadata"
    Log.persist(
      storage,
      [Log.request(1, hardState: HardState(term: 1, votedFor: 2, commitIndex: 0), entries: Log.entries([1, 1, 1]))])
    let afterVote = Files.read(metadataFile)

    Log.persist(storage, [Log.request(2, hardState: HardState(term: 1, votedFor: 2, commitIndex: 3), entries: [])])
    #expect(Files.read(metadataFile) == afterVote, "a commit index alone rewrote the metadata file")
    #expect(try storage.recover().hardState == HardState(term: 1, votedFor: 2, commitIndex: 3))
    let crashed = try crashCopy("crash-1")
    #expect(crashed.hardState.term == 1 && crashed.hardState.votedFor == 2)
    #expect(crashed.hardState.commitIndex <= 3)
    #expect(crashed.entries.count == 3)

    Log.persist(
      storage,
      [
        Log.request(3, hardState: HardState(term: 2, votedFor: nil, commitIndex: 3), entries: Log.entries([2], from: 4))
      ])
    #expect(Files.read(metadataFile) != afterVote, "a new term was not written")
    let afterTerm = try crashCopy("crash-2")
    #expect(afterTerm.hardState == HardState(term: 2, votedFor: nil, commitIndex: 3))

    Log.persist(storage, [Log.request(4, hardState: HardState(term: 2, votedFor: nil, commitIndex: 4), entries: [])])
    storage.close()
    let reopened = try FileStorage(directory: path, options: Self.options)
    defer { reopened.close() }
    #expect(try reopened.recover().hardState == HardState(term: 2, votedFor: nil, commitIndex: 4))
  }
}
