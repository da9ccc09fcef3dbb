import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The storage directory: its paths, its format file and its lock.
struct DataDirectory: Sendable {
  let path: String

  var formatFile: String { path + "/" + StorageFormat.fileName }
  var lockFile: String { path + "/" + StorageFormat.lockFileName }
  var metadataFile: String { path + "/" + StorageFormat.metadataFileName }
  var logDirectory: String { path + "/" + StorageFormat.logDirectoryName }
  var snapshotDirectory: String { path + "/" + StorageFormat.snapshotDirectoryName }
  func segmentPath(firstIndex: UInt64) -> String {
    logDirectory + "/" + StorageFormat.segmentName(firstIndex: firstIndex)
  }

  /// Takes the directory's exclusive lock, which lasts as long as the returned file is open.
  ///
  /// `flock` rather than `fcntl` locks: a flock belongs to the open file, so a second open in
  /// the same process is refused too, and closing some other descriptor of the file does not
  /// silently drop it. The kernel releases it when the process dies, even by SIGKILL.
  func lock() throws -> SharedFile {
    let fd = try FileSystem.open(lockFile, create: true)
    if flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
      let error = errno
      try? fd.close()
      if error == EWOULDBLOCK { throw FileStorageError.directoryLocked(directory: path) }
      throw FileStorageError.io(operation: "flock", path: lockFile, errno: error)
    }
    return SharedFile(descriptor: fd, path: lockFile)
  }

  /// Checks the format file, or writes it into a directory that holds no storage yet.
  func checkOrCreateFormat() throws {
    if FileSystem.exists(formatFile) {
      let fd = try FileSystem.open(formatFile, readOnly: true)
      defer { try? fd.close() }
      let contents = try FileSystem.readAll(fd, path: formatFile)
      guard contents == StorageFormat.formatFileContents else {
        let text = String(decoding: contents.prefix(64), as: UTF8.self).trimmingTrailingNewlines
        throw FileStorageError.unsupportedFormatVersion(file: formatFile, found: text)
      }
      return
    }
    if FileSystem.exists(metadataFile) || FileSystem.exists(logDirectory) || FileSystem.exists(snapshotDirectory) {
      throw FileStorageError.missingFormatFile(directory: path)
    }
    try FileSystem.writeAtomically(StorageFormat.formatFileContents, to: formatFile, directory: path)
  }
}

extension String {
  fileprivate var trimmingTrailingNewlines: String {
    var text = self
    while text.last == "\n" || text.last == "\r" { text.removeLast() }
    return text
  }
}
