#if canImport(Glibc)
  import Glibc
#endif

/// Three `raft-testnode` processes on loopback TCP, for `raft-bench node --processes`. The
/// benchmark talks to them over their stdin and stdout with blocking I/O on one thread.
final class ProcessCluster {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// One child process and its pipes.
  final class Child {
    let pid: pid_t
    let input: Int32
    let output: Int32
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts (lines are consumed without shifting the rest).
    private var readOffset = 0

    init(path: String, arguments: [String]) throws {
      var toChild: [Int32] = [0, 0]
      var fromChild: [Int32] = [0, 0]
      guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure(description: "pipe failed") }
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
      guard status == 0 else { throw Failure(description: "cannot start \(path): error \(status)") }
      self.pid = pid
      input = toChild[1]
      output = fromChild[0]
    }

    func send(_ line: String) throws {
      let bytes = Array((line + "\n").utf8)
      var offset = 0
      while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(input, $0.baseAddress! + offset, bytes.count - offset) }
        guard written > 0 else { throw Failure(description: "node process \(pid) stopped reading") }
        offset += written
      }
    }

    /// The next line, blocking.
    func readLine() throws -> String {
      var chunk = [UInt8](repeating: 0, count: 65536)
      while true {
        if let newline = buffer[readOffset...].firstIndex(of: UInt8(ascii: "\n")) {
          defer { readOffset = newline + 1 }
          return String(decoding: buffer[readOffset..<newline], as: UTF8.self)
        }
        buffer.removeSubrange(..<readOffset)
        readOffset = 0
        let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
        guard count > 0 else { throw Failure(description: "node process \(pid) exited") }
        buffer += chunk.prefix(count)
      }
    }

    func request(_ line: String) throws -> String {
      try send(line)
      return try readLine()
    }

    func terminate() {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      close(input)
      close(output)
    }
  }

  let children: [Child]

  /// Starts three nodes, connects them, and waits for a leader.
  /// - Parameter dataDirectory: if set, each node keeps a FileStorage in `node-<id>` under it;
  ///   otherwise memory storage.
  init(dataDirectory: String? = nil) throws {
    var path = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &path, path.count - 1)
    let exe = String(decoding: path.prefix(max(0, length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let node =
      exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
      + "/raft-testnode"
    guard access(node, X_OK) == 0 else {
      throw Failure(description: "\(node) not found: build it (swift build -c release --product raft-testnode)")
    }
    var children: [Child] = []
    do {
      for id in 1...3 {
        let storage = dataDirectory.map { ["\($0)/node-\(id)"] } ?? []
        children.append(try Child(path: node, arguments: ["\(id)", "1,2,3", "bench", "100"] + storage))
      }
      let ports = try children.map { child -> String in
        let line = try child.readLine()
        guard line.hasPrefix("listening ") else { throw Failure(description: "unexpected: \(line)") }
        return String(line.dropFirst("listening ".count))
      }
      for (index, child) in children.enumerated() {
        for (peer, port) in ports.enumerated() where peer != index {
          _ = try child.request("peer \(peer + 1) \(port)")
        }
      }
      for child in children { _ = try child.request("start") }
    } catch {
      for child in children { child.terminate() }
      throw error
    }
    self.children = children
  }

  /// The child that leads, waiting for an election.
  func leader() throws -> Child {
    for _ in 0..<3000 {
      for child in children where try child.request("status").contains("role=leader") { return child }
      usleep(10_000)
    }
    throw Failure(description: "no leader within 30 s")
  }

  /// Runs `concurrency` proposals in flight against the leader, closed loop, for `warmup` then
  /// `duration` seconds. - Returns: latencies (ns) of the proposals answered in the measured time.
  func measure(concurrency: Int, command: String, warmup: Double, duration: Double) throws -> [UInt64] {
    let leader = try leader()
    let start = MonotonicClock.nanoseconds()
    let measureFrom = start + UInt64(warmup * 1e9)
    let end = measureFrom + UInt64(duration * 1e9)
    var sentAt: [Int: UInt64] = [:]
    var nextTag = 0
    var latencies: [UInt64] = []
    func submit() throws {
      sentAt[nextTag] = MonotonicClock.nanoseconds()
      try leader.send("submit \(nextTag) \(command)")
      nextTag += 1
    }
    for _ in 0..<concurrency { try submit() }
    while !sentAt.isEmpty {
      let line = try leader.readLine()
      let words = line.split(separator: " ", maxSplits: 3)
      guard words.count >= 3, words[0] == "done", let tag = Int(words[1]), let sent = sentAt.removeValue(forKey: tag)
      else { continue }
      guard words[2] == "ok" else { throw Failure(description: "proposal failed: \(line)") }
      let now = MonotonicClock.nanoseconds()
      if sent >= measureFrom && now <= end { latencies.append(now - sent) }
      if now < end { try submit() }
    }
    return latencies
  }

  func shutdown() {
    for child in children {
      _ = try? child.request("stop")
      child.terminate()
    }
  }
}
