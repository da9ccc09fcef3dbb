import Logging
import Raft
import Synchronization

/// The snapshot files of a ``FileStorage``: at most one complete snapshot, plus the one being
/// written.
///
/// A snapshot is written under a temporary name, in chunks at any offsets (as an InstallSnapshot
/// transfer delivers them), and becomes visible only when ``SnapshotFileWriter/finish()`` has
/// added its footer and checksum, synced it, renamed it to its final name and synced the
/// directory. A crash before that leaves a partial file that the next open deletes; a crash after
/// it leaves the complete snapshot. The previous snapshot is deleted only after the new one is
/// durable.
public final class SnapshotFileStore: Sendable {
  private struct Latest: Sendable {
    var info: SnapshotFileInfo
    var file: SharedFile
  }

  /// The directory the snapshot files live in.
  public let directory: String
  private let latestSnapshot: Mutex<Latest?>
  /// Numbers partial files, so a snapshot being taken and one being received at the same index
  /// never share a temporary file.
  private let partialCounter = Atomic<UInt64>(0)
  private let logger: Logger

  /// Opens the directory's newest complete snapshot and checks it, data checksum included.
  init(directory: String, logger: Logger) throws {
    self.directory = directory
    self.logger = logger
    var latest: Latest? = nil
    if FileSystem.exists(directory) {
      let names = try FileSystem.list(directory).filter {
        $0.hasSuffix(SnapshotFileFormat.suffix)
      }
      if let newest = names.last {
        let path = directory + "/" + newest
        let file = SharedFile(descriptor: try FileSystem.open(path, readOnly: true), path: path)
        let info = try SnapshotFileFormat.readInfo(file)
        let checksum = try SnapshotFileFormat.checksum(of: file, size: info.dataSize)
        guard checksum == info.checksum else {
          throw FileStorageError.corruptSnapshot(file: path, reason: "data checksum mismatch")
        }
        guard newest == SnapshotFileFormat.name(lastIndex: info.lastIndex, lastTerm: info.lastTerm) + ".snapshot"
        else {
          throw FileStorageError.corruptSnapshot(
            file: path, reason: "footer says \(info.lastIndex)@\(info.lastTerm), which the name does not")
        }
        latest = Latest(info: info, file: file)
      }
    }
    latestSnapshot = Mutex(latest)
  }

  /// Deletes partial snapshots a crash left and complete ones older than the newest.
  func removeLeftovers() throws {
    guard FileSystem.exists(directory) else { return }
    let keep = latestSnapshot.withLock { $0?.file.path }
    var removed = false
    for name in try FileSystem.list(directory) {
      let path = directory + "/" + name
      if name.hasSuffix(SnapshotFileFormat.partialSuffix) {
        logger.warning("removing \(path): a snapshot that was never completed")
      } else if name.hasSuffix(SnapshotFileFormat.suffix) && path != keep {
        logger.info("removing \(path): superseded by \(keep ?? "a newer snapshot")")
      } else {
        continue
      }
      try FileSystem.remove(path)
      removed = true
    }
    if removed { try FileSystem.syncDirectory(directory) }
  }

  /// The newest complete snapshot, if any.
  public var latest: SnapshotFileInfo? { latestSnapshot.withLock { $0?.info } }

  /// Reads up to `count` bytes of the newest snapshot's data from `offset` on (fewer at the end
  /// of the data; none past it).
  ///
  /// - Throws: ``FileStorageError/unavailable(reason:)`` if there is no snapshot.
  public func read(offset: UInt64, count: Int) throws -> [UInt8] {
    guard let latest = latestSnapshot.withLock({ $0 }) else {
      throw FileStorageError.unavailable(reason: "no snapshot stored")
    }
    guard offset < latest.info.dataSize, count > 0 else { return [] }
    let length = Int(min(UInt64(count), latest.info.dataSize - offset))
    return try FileSystem.read(latest.file.descriptor, at: Int64(offset), count: length, path: latest.file.path)
  }

  /// Starts a new snapshot covering the log through `lastIndex` (whose entry has `lastTerm`).
  /// Nothing is visible until ``SnapshotFileWriter/finish()``.
  public func beginWriting(lastIndex: LogIndex, lastTerm: Term, metadata: [UInt8] = []) throws -> SnapshotFileWriter {
    try FileSystem.makeDirectory(directory)
    let name = SnapshotFileFormat.name(lastIndex: lastIndex, lastTerm: lastTerm)
    let serial = partialCounter.add(1, ordering: .relaxed).newValue
    let path = directory + "/" + name + "-\(serial)" + SnapshotFileFormat.partialSuffix
    let fd = try FileSystem.open(path, create: true)
    try FileSystem.truncate(fd, to: 0, path: path)
    return SnapshotFileWriter(
      store: self, file: SharedFile(descriptor: fd, path: path),
      finalPath: directory + "/" + name + SnapshotFileFormat.suffix, lastIndex: lastIndex, lastTerm: lastTerm,
      metadata: metadata)
  }

  /// Makes a finished snapshot the newest one and deletes the one it replaces.
  fileprivate func install(_ info: SnapshotFileInfo, path: String) throws {
    let file = SharedFile(descriptor: try FileSystem.open(path, readOnly: true), path: path)
    let previous = latestSnapshot.withLock { latest -> Latest? in
      defer { latest = Latest(info: info, file: file) }
      return latest
    }
    if let previous, previous.file.path != path {
      try FileSystem.remove(previous.file.path)
      try FileSystem.syncDirectory(directory)
    }
  }
}

/// Writes one snapshot, chunk by chunk, under a temporary name (see ``SnapshotFileStore``).
public final class SnapshotFileWriter: Sendable {
  private struct State: Sendable {
    var dataSize: UInt64 = 0
    var done = false
    /// The checksum so far while every write continued where the previous ended (the usual
    /// case); nil once a write landed elsewhere, and then the data is read back at the end.
    var runningChecksum: CRC32C? = CRC32C()
  }

  private let store: SnapshotFileStore
  private let file: SharedFile
  private let finalPath: String
  private let lastIndex: LogIndex
  private let lastTerm: Term
  private let metadata: [UInt8]
  private let state = Mutex(State())

  fileprivate init(
    store: SnapshotFileStore, file: SharedFile, finalPath: String, lastIndex: LogIndex, lastTerm: Term,
    metadata: [UInt8]
  ) {
    self.store = store
    self.file = file
    self.finalPath = finalPath
    self.lastIndex = lastIndex
    self.lastTerm = lastTerm
    self.metadata = metadata
  }

  /// Writes `bytes` at `offset` of the data. Chunks may come in any order; the data's size is
  /// the end of the furthest chunk, and bytes no chunk wrote read as zero.
  public func write(_ bytes: [UInt8], at offset: UInt64) throws {
    try state.withLock { state in
      guard !state.done else { throw FileStorageError.unavailable(reason: "the snapshot writer is finished") }
      try FileSystem.write(file.descriptor, bytes, at: Int64(offset), path: file.path)
      if offset == state.dataSize {
        state.runningChecksum?.update(bytes)
      } else {
        state.runningChecksum = nil
      }
      state.dataSize = max(state.dataSize, offset + UInt64(bytes.count))
    }
  }

  /// Checksums the data, adds the footer, syncs, renames the file to its final name and syncs
  /// the directory; from then on the snapshot is the store's ``SnapshotFileStore/latest``.
  ///
  /// - Parameter expectedChecksum: the CRC-32C the data must have (a received snapshot's); on a
  ///   mismatch the file is deleted and ``FileStorageError/corruptSnapshot(file:reason:)`` thrown.
  /// - Returns: the snapshot's description. If the store meanwhile got a snapshot at the same or
  ///   a later index (a received one can overtake one being taken), the new file is dropped and
  ///   the newer one stays ``SnapshotFileStore/latest``.
  @discardableResult
  public func finish(expectedChecksum: UInt32? = nil) throws -> SnapshotFileInfo {
    let outcome = try state.withLock { state -> (info: SnapshotFileInfo, installed: Bool) in
      guard !state.done else { throw FileStorageError.unavailable(reason: "the snapshot writer is finished") }
      state.done = true
      try FileSystem.truncate(file.descriptor, to: Int64(state.dataSize), path: file.path)
      let checksum = try state.runningChecksum?.value ?? SnapshotFileFormat.checksum(of: file, size: state.dataSize)
      if let expectedChecksum, checksum != expectedChecksum {
        try? FileSystem.remove(file.path)
        throw FileStorageError.corruptSnapshot(
          file: file.path,
          reason:
            "received data has checksum \(String(checksum, radix: 16)), expected \(String(expectedChecksum, radix: 16))"
        )
      }
      let info = SnapshotFileInfo(
        lastIndex: lastIndex, lastTerm: lastTerm, metadata: metadata, dataSize: state.dataSize, checksum: checksum)
      try FileSystem.write(
        file.descriptor, SnapshotFileFormat.trailer(for: info), at: Int64(state.dataSize), path: file.path)
      if let latest = store.latest, latest.lastIndex >= lastIndex {
        try FileSystem.remove(file.path)
        return (info, false)
      }
      try FileSystem.fullSync(file.descriptor, path: file.path)
      try FileSystem.rename(file.path, to: finalPath)
      try FileSystem.syncDirectory(store.directory)
      return (info, true)
    }
    if outcome.installed { try store.install(outcome.info, path: finalPath) }
    return outcome.info
  }

  /// Abandons the snapshot and deletes its temporary file.
  public func abort() throws {
    try state.withLock { state in
      guard !state.done else { return }
      state.done = true
      try FileSystem.remove(file.path)
    }
  }
}
