import Glibc

/// A child process whose standard output the test reads line by line.
final class ChildProcess {
  let pid: pid_t
  private let output: Int32
  private var pending: [UInt8] = []
  private var finished = false

  /// Starts the executable built beside the test bundle.
  init(executable name: String, arguments: [String]) throws {
    let executable = Self.buildDirectory + "/" + name
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { throw ChildProcessError("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var child = pid_t()
    let result = posix_spawn(&child, executable, &actions, nil, argv, environ)
    close(pipeEnds[1])
    guard result == 0 else {
      close(pipeEnds[0])
      throw ChildProcessError("posix_spawn \(executable) failed: \(result)")
    }
    pid = child
    output = pipeEnds[0]
  }

  deinit {
    if !finished {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
    }
    close(output)
  }

  /// The next line of output, or nil at the end.
  func readLine() -> String? {
    while true {
      if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: pending[..<newline], as: UTF8.self)
        pending.removeSubrange(...newline)
        return line
      }
      var buffer = [UInt8](repeating: 0, count: 4096)
      let count = read(output, &buffer, buffer.count)
      if count <= 0 { return nil }
      pending += buffer[0..<count]
    }
  }

  /// SIGKILLs the child and waits for it to die.
  func killNow() {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    finished = true
  }

  /// The directory the tests and the executables are built into.
  static var buildDirectory: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    var path = String(decoding: buffer[0..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // .../debug/SwiftRaftPackageTests.xctest (the bundle is the executable on Linux)
    while let slash = path.lastIndex(of: "/") {
      path = String(path[..<slash])
      if !path.hasSuffix(".xctest") { break }
    }
    return path
  }
}

struct ChildProcessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
