import RaftTestNodeClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A `raft-testnode` child process, driven through its stdin and stdout.
final class NodeProcess: Sendable {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  let pid: pid_t
  private let input: Int32
  private let output: Int32
  private let pending = Mutex<[UInt8]>([])
  private let exited = Mutex(false)
  private let inputClosed = Mutex(false)

  /// The `raft-testnode` built next to the test bundle.
  static var executable: String { TestNodeChild.siblingExecutable(named: "raft-testnode") }

  init(arguments: [String]) throws {
    let child = try TestNodeChild(path: Self.executable, arguments: arguments)
    pid = child.pid
    input = child.input
    output = child.output
    _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
  }

  deinit {
    kill9()
    if !inputClosed.withLock({ $0 }) { close(input) }
    close(output)
  }

  /// Sends `command` and returns the one line it answers with.
  func request(_ command: String, timeout: Duration = .seconds(20)) async throws -> String {
    try send(Array((command + "\n").utf8))
    return try await readLine(timeout: timeout)
  }

  /// The next line the process prints.
  func readLine(timeout: Duration = .seconds(20)) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    var polls = 0
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let line = pending.withLock { buffer -> String? in
        guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        defer { buffer.removeSubrange(...newline) }
        return String(decoding: buffer[..<newline], as: UTF8.self)
      }
      if let line { return line }
      let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
      if count > 0 {
        pending.withLock { $0 += chunk.prefix(count) }
        continue
      }
      if count == 0 { throw Failure(description: "node \(pid) closed its output") }
      polls += 1
      if ContinuousClock.now >= deadline && polls >= 200 { throw Failure(description: "node \(pid) did not answer") }
      try await Task.sleep(for: .milliseconds(2))
    }
  }

  /// Writes raw bytes (frames of the binary protocol) to the process's stdin.
  func send(_ bytes: [UInt8]) throws {
    guard TestNodeChild.writeAll(bytes, to: input) else { throw Failure(description: "write to node \(pid) failed") }
  }

  /// Closes the process's stdin: the node sees the end of its input.
  func closeInput() {
    let first = inputClosed.withLock { closed in
      defer { closed = true }
      return !closed
    }
    if first { close(input) }
  }

  /// The next `count` binary responses, after whatever lines were already read.
  func readResponses(
    _ count: Int, timeout: Duration = .seconds(20)
  ) async throws -> [TestNodeFrameDecoder.Response] {
    var decoder = TestNodeFrameDecoder()
    decoder.append(
      pending.withLock { buffer in
        defer { buffer.removeAll() }
        return buffer
      })
    let deadline = ContinuousClock.now + timeout
    var responses: [TestNodeFrameDecoder.Response] = []
    var polls = 0
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      while responses.count < count, let response = try decoder.nextResponse() { responses.append(response) }
      if responses.count == count {
        let rest = decoder.takeRemaining()
        pending.withLock { $0 = rest }
        return responses
      }
      let read = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress!, $0.count) }
      if read > 0 {
        decoder.append(chunk.prefix(read))
        continue
      }
      if read == 0 { throw Failure(description: "node \(pid) closed its output") }
      polls += 1
      if ContinuousClock.now >= deadline && polls >= 200 { throw Failure(description: "node \(pid) did not answer") }
      try await Task.sleep(for: .milliseconds(2))
    }
  }

  /// Kills the process at once, as a crash would, and reaps it.
  func kill9() {
    let first = exited.withLock { done in
      defer { done = true }
      return !done
    }
    guard first else { return }
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }
}
