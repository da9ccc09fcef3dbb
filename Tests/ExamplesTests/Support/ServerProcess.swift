import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A built example executable (`raft-kv`, `raft-lock`) running as a child process.
final class ServerProcess {
  let process = Process()
  let arguments: [String]
  let output: URL

  /// The built executable `name` next to the test bundle, if it was built.
  static func executable(_ name: String) -> URL? {
    var candidates: [URL] = []
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(runner.deletingLastPathComponent().appendingPathComponent(name))
    candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  init(executable: URL, arguments: [String], logName: String, environment: [String: String] = [:]) throws {
    self.arguments = arguments
    output = FileManager.default.temporaryDirectory.appendingPathComponent("\(logName)-\(getpid()).log")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
  }

  var pid: Int32 { process.processIdentifier }
  var isRunning: Bool { process.isRunning }

  /// What the process printed so far.
  var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

  /// SIGKILL, as a crash.
  func kill9() {
    guard process.isRunning else { return }
    kill(pid, SIGKILL)
    process.waitUntilExit()
  }

  deinit {
    kill9()
    try? FileManager.default.removeItem(at: output)
  }
}

/// Free TCP ports on loopback (bound to port 0, then released).
func freePorts(_ count: Int) -> [UInt16] {
  var sockets: [Int32] = []
  var ports: [UInt16] = []
  for _ in 0..<count {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        _ = bind(fd, pointer, length)
        return getsockname(fd, pointer, &length)
      }
    }
    sockets.append(fd)
    ports.append(UInt16(bigEndian: address.sin_port))
  }
  for fd in sockets { close(fd) }
  return ports
}

/// Runs `redis-cli -p port args...` and returns its output without the trailing newline, or
/// nil if redis-cli is not installed.
func redisCLI(port: UInt16, _ arguments: [String]) throws -> String? {
  let paths = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"]
  guard let path = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = ["-p", String(port)] + arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  var text = String(decoding: data, as: UTF8.self)
  while text.hasSuffix("\n") { text.removeLast() }
  return text
}
