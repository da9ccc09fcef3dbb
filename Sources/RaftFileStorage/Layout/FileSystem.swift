import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few file-system calls the storage makes, each turning a failure into a typed
/// ``FileStorageError/io(operation:path:errno:)`` that names the file.
enum FileSystem {
  static func open(_ path: String, create: Bool = false, readOnly: Bool = false) throws -> FileDescriptor {
    do {
      return try FileDescriptor.open(
        FilePath(path), readOnly ? .readOnly : .readWrite, options: create ? [.create, .closeOnExec] : [.closeOnExec],
        permissions: create ? [.ownerReadWrite, .groupRead, .otherRead] : nil)
    } catch {
      throw FileStorageError.io(operation: "open", path: path, errno: (error as? Errno)?.rawValue ?? -1)
    }
  }

  static func openDirectory(_ path: String) throws -> FileDescriptor {
    do {
      return try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
    } catch {
      throw FileStorageError.io(operation: "open directory", path: path, errno: (error as? Errno)?.rawValue ?? -1)
    }
  }

  /// Flushes the file's data and the metadata needed to read it back (its size), which is all a
  /// log needs; cheaper than a full fsync, which also flushes timestamps.
  static func dataSync(_ fd: FileDescriptor, path: String) throws {
    if fdatasync(fd.rawValue) != 0 { throw FileStorageError.io(operation: "fdatasync", path: path, errno: errno) }
  }

  /// A full fsync: needed for directories, whose entries (created, renamed, removed files) are
  /// their data.
  static func fullSync(_ fd: FileDescriptor, path: String) throws {
    if fsync(fd.rawValue) != 0 { throw FileStorageError.io(operation: "fsync", path: path, errno: errno) }
  }

  static func syncDirectory(_ path: String) throws {
    let fd = try openDirectory(path)
    defer { try? fd.close() }
    try fullSync(fd, path: path)
  }

  static func truncate(_ fd: FileDescriptor, to size: Int64, path: String) throws {
    if ftruncate(fd.rawValue, off_t(size)) != 0 {
      throw FileStorageError.io(operation: "ftruncate", path: path, errno: errno)
    }
  }

  static func truncate(_ path: String, to size: Int64) throws {
    let fd = try open(path)
    defer { try? fd.close() }
    try truncate(fd, to: size, path: path)
    try dataSync(fd, path: path)
  }

  static func rename(_ from: String, to: String) throws {
    if Glibc.rename(from, to) != 0 { throw FileStorageError.io(operation: "rename", path: from, errno: errno) }
  }

  static func remove(_ path: String) throws {
    if unlink(path) != 0 && errno != ENOENT { throw FileStorageError.io(operation: "unlink", path: path, errno: errno) }
  }

  static func makeDirectory(_ path: String) throws {
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
      throw FileStorageError.io(operation: "mkdir", path: path, errno: errno)
    }
  }

  static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }

  static func size(_ fd: FileDescriptor, path: String) throws -> Int64 {
    var info = stat()
    if fstat(fd.rawValue, &info) != 0 { throw FileStorageError.io(operation: "fstat", path: path, errno: errno) }
    return Int64(info.st_size)
  }

  /// The names in a directory, without "." and "..".
  static func list(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else {
      throw FileStorageError.io(operation: "opendir", path: path, errno: errno)
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// Allocates the file's blocks up to `size` bytes (reading as zeros), growing its size to
  /// `size` if smaller. Best effort: a file system that cannot allocate ahead returns false and
  /// the file grows as it is written instead.
  ///
  /// Why: fdatasync after an append that grows a file must also commit the new size and
  /// blocks through the file system's journal; after an overwrite of allocated space it flushes
  /// only the data (on ext4 about 110 µs instead of 165 µs per fdatasync, with a shorter tail).
  @discardableResult
  static func preallocate(_ fd: FileDescriptor, size: Int64) -> Bool {
    #if os(Linux)
      return posix_fallocate(fd.rawValue, 0, off_t(size)) == 0
    #else
      return false
    #endif
  }

  /// Whether every byte of `bytes` from `offset` on is zero (space allocated but never written).
  /// Compares a page at a time with `memcmp`, so a 64 MiB segment checks fast in any build.
  static func isZero(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
    guard let base = bytes.baseAddress, offset < bytes.count else { return true }
    return zeroPage.withUnsafeBytes { zeros in
      var position = offset
      while position < bytes.count {
        let count = min(zeros.count, bytes.count - position)
        if memcmp(base + position, zeros.baseAddress!, count) != 0 { return false }
        position += count
      }
      return true
    }
  }

  private static let zeroPage = [UInt8](repeating: 0, count: 65536)

  static func readAll(_ fd: FileDescriptor, path: String) throws -> [UInt8] {
    let size = Int(try self.size(fd, path: path))
    return try read(fd, at: 0, count: size, path: path)
  }

  /// Reads exactly `count` bytes at `offset`, or fewer if the file ends first.
  static func read(_ fd: FileDescriptor, at offset: Int64, count: Int, path: String) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    try bytes.withUnsafeMutableBytes { buffer in
      while filled < count {
        let got: Int
        do {
          got = try fd.read(
            fromAbsoluteOffset: offset + Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
          )
        } catch {
          throw FileStorageError.io(operation: "read", path: path, errno: (error as? Errno)?.rawValue ?? -1)
        }
        if got == 0 { break }
        filled += got
      }
    }
    if filled < count { bytes.removeSubrange(filled...) }
    return bytes
  }

  static func write(_ fd: FileDescriptor, _ bytes: some Sequence<UInt8>, at offset: Int64, path: String) throws {
    do {
      _ = try fd.writeAll(toAbsoluteOffset: offset, bytes)
    } catch {
      throw FileStorageError.io(operation: "write", path: path, errno: (error as? Errno)?.rawValue ?? -1)
    }
  }

  /// Writes a small file atomically: a temporary name, fsync, rename over the final name, then
  /// fsync the directory so the rename itself survives a crash.
  static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
    let temporary = path + ".tmp"
    let fd = try open(temporary, create: true)
    do {
      try truncate(fd, to: 0, path: temporary)
      try write(fd, bytes, at: 0, path: temporary)
      try fullSync(fd, path: temporary)
      try fd.close()
    } catch {
      try? fd.close()
      throw error
    }
    try rename(temporary, to: path)
    try syncDirectory(directory)
  }
}

/// An open file shared between the writing thread and the fsync thread. The descriptor is
/// closed only when the last user lets go, so a sync in flight never sees its descriptor number
/// closed (and reused by another open) under it.
final class SharedFile: Sendable {
  let descriptor: FileDescriptor
  let path: String

  init(descriptor: FileDescriptor, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  deinit { try? descriptor.close() }
}
