#if canImport(Glibc)
  import Glibc
#endif

/// A child process started with pipes on its stdin and stdout (stderr is shared with the
/// parent), as the benchmarks and the multi-process tests start `raft-testnode`.
///
/// It only holds the process id and the parent's ends of the pipes: the owner reads and writes
/// them its own way (blocking, or polling), closes them, and kills and reaps the process.
public struct TestNodeChild: Sendable {
  /// Why a child did not start.
  public struct SpawnError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
  }

  /// The child's process id.
  public let pid: pid_t
  /// The write end of the child's stdin.
  public let input: Int32
  /// The read end of the child's stdout.
  public let output: Int32

  /// Starts `path` with `arguments` (without the program name).
  /// - Throws: ``SpawnError`` if a pipe cannot be made or the program cannot start.
  public init(path: String, arguments: [String]) throws(SpawnError) {
    var toChild: [Int32] = [0, 0]
    var fromChild: [Int32] = [0, 0]
    guard pipe(&toChild) == 0 else { throw SpawnError(description: "pipe failed: errno \(errno)") }
    guard pipe(&fromChild) == 0 else {
      close(toChild[0])
      close(toChild[1])
      throw SpawnError(description: "pipe failed: errno \(errno)")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
    close(toChild[0])
    close(fromChild[1])
    guard status == 0 else {
      close(toChild[1])
      close(fromChild[0])
      throw SpawnError(description: "cannot start \(path): error \(status)")
    }
    self.pid = pid
    input = toChild[1]
    output = fromChild[0]
  }

  /// Writes all of `bytes` to `descriptor` (blocking), retrying short writes and EINTR.
  /// - Returns: false if the reader is gone or the write failed.
  @discardableResult
  public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return false }
      offset += written
    }
    return true
  }

  /// The path of `name` in the directory of the running executable (where SwiftPM builds
  /// every product of a package, test bundles included).
  public static func siblingExecutable(named name: String) -> String {
    var path = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &path, path.count - 1)
    let exe = String(decoding: path.prefix(max(0, count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/" + name
  }
}
