import RaftTestNodeClient

#if canImport(Glibc)
  import Glibc
#endif

/// Three `raft-testnode` processes on loopback TCP, for `raft-bench node --processes`. The
/// benchmark talks to them over their stdin and stdout with blocking I/O on one thread: the
/// text protocol to set up and find the leader, then the binary protocol to the leader, whose
/// costs are per read and per write, so the figures are the nodes' and not the pipe's.
final class ProcessCluster {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// One child process and its pipes.
  final class Child {
    let pid: pid_t
    private(set) var input: Int32
    let output: Int32
    private var lines = LineReader()

    init(path: String, arguments: [String]) throws {
      let child = try TestNodeChild(path: path, arguments: arguments)
      pid = child.pid
      input = child.input
      output = child.output
    }

    func send(_ line: String) throws { try send(Array((line + "\n").utf8)) }

    /// The next line, blocking.
    func readLine() throws -> String {
      let output = output
      guard let line = lines.readLine(using: { Glibc.read(output, $0.baseAddress!, $0.count) }) else {
        throw Failure(description: "node process \(pid) exited")
      }
      return line
    }

    func request(_ line: String) throws -> String {
      try send(line)
      return try readLine()
    }

    /// Whether the child was switched to the binary protocol (it then takes no text commands).
    private(set) var isBinary = false

    /// Switches the child to the binary protocol.
    func switchToBinary() throws {
      let answer = try request("binary")
      guard answer == "ok" else { throw Failure(description: "node process \(pid) refused binary mode: \(answer)") }
      isBinary = true
    }

    /// Writes frames of the binary protocol.
    func send(_ bytes: [UInt8]) throws {
      guard TestNodeChild.writeAll(bytes, to: input) else {
        throw Failure(description: "node process \(pid) stopped reading")
      }
    }

    /// Blocks until bytes arrive and hands them to `decoder` (with any read past the last line).
    func read(into decoder: inout TestNodeFrameDecoder) throws {
      let rest = lines.takeRemaining()
      if !rest.isEmpty { decoder.append(rest) }
      let count = decoder.append(capacity: 65536) { Glibc.read(output, $0.baseAddress!, $0.count) }
      guard count > 0 else { throw Failure(description: "node process \(pid) exited") }
    }

    /// Closes the child's stdin: a node in binary mode stops and exits.
    func closeInput() {
      guard input >= 0 else { return }
      close(input)
      input = -1
    }

    func terminate() {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      closeInput()
      close(output)
    }
  }

  let children: [Child]

  /// Starts three nodes, connects them, and waits for a leader.
  /// - Parameter dataDirectory: if set, each node keeps a FileStorage in `node-<id>` under it;
  ///   otherwise memory storage.
  init(dataDirectory: String? = nil) throws {
    let node = TestNodeChild.siblingExecutable(named: "raft-testnode")
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

  /// The leader, in binary mode, found (and switched) on first use. A leader change later
  /// fails the run: its proposals come back with errors.
  private var drivenLeader: Child?

  /// Runs `concurrency` proposals in flight against the leader, closed loop, for `warmup` then
  /// `duration` seconds. - Returns: latencies (ns) of the proposals answered in the measured time.
  ///
  /// The proposals go in binary frames: every response read in one chunk is answered with its
  /// replacement, and all the replacements go out in one write.
  func measure(concurrency: Int, command: [UInt8], warmup: Double, duration: Double) throws -> [UInt64] {
    let leader: Child
    if let drivenLeader {
      leader = drivenLeader
    } else {
      leader = try self.leader()
      try leader.switchToBinary()
      drivenLeader = leader
    }
    let start = MonotonicClock.nanoseconds()
    let measureFrom = start + UInt64(warmup * 1e9)
    let end = measureFrom + UInt64(duration * 1e9)
    var sentAt: [UInt64: UInt64] = [:]
    sentAt.reserveCapacity(concurrency)
    var nextTag: UInt64 = 0
    var latencies: [UInt64] = []
    var outgoing: [UInt8] = []
    var outgoingTags: [UInt64] = []
    func submit() {
      TestNodeFrames.appendRequest(tag: nextTag, command: command, to: &outgoing)
      outgoingTags.append(nextTag)
      nextTag += 1
    }
    func flush() throws {
      let now = MonotonicClock.nanoseconds()
      for tag in outgoingTags { sentAt[tag] = now }
      try leader.send(outgoing)
      outgoing.removeAll(keepingCapacity: true)
      outgoingTags.removeAll(keepingCapacity: true)
    }
    for _ in 0..<concurrency { submit() }
    try flush()
    var decoder = TestNodeFrameDecoder()
    while !sentAt.isEmpty {
      try leader.read(into: &decoder)
      // Every response of one read arrived together.
      let now = MonotonicClock.nanoseconds()
      while let response = try decoder.nextResponse() {
        guard let sent = sentAt.removeValue(forKey: response.tag) else { continue }
        guard response.status == .ok else {
          throw Failure(description: "proposal failed: \(String(decoding: response.payload, as: UTF8.self))")
        }
        if sent >= measureFrom && now <= end { latencies.append(now - sent) }
        if now < end { submit() }
      }
      if !outgoing.isEmpty { try flush() }
    }
    return latencies
  }

  func shutdown() {
    for child in children {
      // A node in binary mode stops at the end of its input; the others on `stop`.
      if child.isBinary {
        child.closeInput()
      } else {
        _ = try? child.request("stop")
      }
      child.terminate()
    }
  }
}
