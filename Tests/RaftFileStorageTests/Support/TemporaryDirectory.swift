import Glibc
import Raft
import RaftFileStorage
import Synchronization

/// A fresh directory under /tmp, removed (with everything in it) when the value goes away.
final class TemporaryDirectory {
  let path: String

  init() {
    var template = Array("/tmp/raft-file-storage-test-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    path = String(cString: created!)
  }

  deinit { Self.remove(path) }

  static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      for name in list(path) { remove(path + "/" + name) }
      rmdir(path)
    } else {
      unlink(path)
    }
  }

  static func list(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }
}

/// Small file helpers for corrupting and inspecting storage files.
enum Files {
  static func read(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count == 0 { break }
      bytes += buffer[0..<count]
    }
    return bytes
  }

  static func write(_ path: String, _ bytes: [UInt8]) {
    let file = fopen(path, "wb")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
  }

  /// The file's bytes up to its last nonzero byte: segments are preallocated with zeros, so this
  /// is what was written (as long as the last record does not end in a zero byte).
  static func written(_ path: String) -> [UInt8] {
    let bytes = read(path)
    let zeros = [UInt8](repeating: 0, count: 4096)
    // Page by page from the end (a byte at a time over 64 MiB is slow in a debug build).
    var end = bytes.count
    bytes.withUnsafeBytes { raw in
      while end >= zeros.count, memcmp(raw.baseAddress! + end - zeros.count, zeros, zeros.count) == 0 {
        end -= zeros.count
      }
    }
    while end > 0 && bytes[end - 1] == 0 { end -= 1 }
    return Array(bytes[..<end])
  }

  static func size(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : -1
  }

  static func truncate(_ path: String, to size: Int) { precondition(Glibc.truncate(path, off_t(size)) == 0) }

  static func segments(in directory: String) -> [String] {
    TemporaryDirectory.list(directory + "/log").filter { $0.hasSuffix(".segment") }.map { directory + "/log/" + $0 }
  }
}

/// Waits for completions of requests persisted without waiting in between.
final class Acknowledgements: Sendable {
  private let state = Mutex<(ids: [UInt64], errors: [String])>(([], []))
  var ids: [UInt64] { state.withLock { $0.ids } }
  var errors: [String] { state.withLock { $0.errors } }

  func completion(_ id: UInt64) -> @Sendable (Result<Void, any Error>) -> Void {
    { result in
      self.state.withLock { state in
        state.ids.append(id)
        if case .failure(let error) = result { state.errors.append("\(id): \(error)") }
      }
    }
  }

  func wait(for count: Int) {
    for _ in 0..<10_000 where state.withLock({ $0.ids.count }) < count { usleep(1_000) }
  }
}

enum Log {
  /// Entries from `first` on with the given terms and payloads naming their index.
  static func entries(_ terms: [UInt64], from first: UInt64 = 1, payloadSize: Int = 0) -> [LogEntry] {
    terms.enumerated().map { offset, term in
      let index = first + UInt64(offset)
      var payload = Array("entry \(index)".utf8)
      if payloadSize > payload.count {
        payload += [UInt8](repeating: UInt8(index % 251), count: payloadSize - payload.count)
      }
      return LogEntry(index: LogIndex(index), term: Term(term), payload: payload)
    }
  }

  static func request(_ id: UInt64, hardState: HardState? = nil, entries: [LogEntry]) -> PersistenceRequest {
    PersistenceRequest(id: PersistenceID(rawValue: id), hardState: hardState, entries: entries)
  }

  /// Persists each request and waits until all completed; returns the completion order.
  @discardableResult
  static func persist(_ storage: FileStorage, _ requests: [PersistenceRequest]) -> Acknowledgements {
    let acknowledgements = Acknowledgements()
    for request in requests { storage.persist(request, completion: acknowledgements.completion(request.id.rawValue)) }
    acknowledgements.wait(for: requests.count)
    return acknowledgements
  }
}
