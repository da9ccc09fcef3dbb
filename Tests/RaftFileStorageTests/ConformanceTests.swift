import Raft
import RaftFileStorage
import RaftTesting
import Testing

/// The shared storage conformance suite over both storages this project ships. The file
/// storage uses tiny segments so that appends, conflicts and compaction cross segment files.
@Suite("Storage conformance")
struct ConformanceTests {
  static let fileStorage = StorageFactory(
    name: "FileStorage",
    open: { place in
      try FileStorage(directory: place, options: FileStorageOptions(segmentSize: 4096, cachedEntryCount: 16))
    },
    close: { storage in (storage as? FileStorage)?.close() },
    compact: { storage, index in try (storage as! FileStorage).compact(through: index) }
  )

  @Test(arguments: StorageConformance.cases(for: [.memory, fileStorage]))
  func conformance(_ testCase: StorageConformance.Case) throws {
    try testCase.run()
  }
}
