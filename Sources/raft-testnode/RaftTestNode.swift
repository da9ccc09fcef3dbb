import Raft
import RaftFileStorage
import RaftLibUV
import RaftTestNodeClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// One RaftNode in its own process, driven through stdin and stdout, for multi-process tests,
/// benchmarks and local experiments. Without a data directory it keeps everything in memory, so
/// a killed process forgets everything; with one it keeps a FileStorage there and a restarted
/// process recovers from it (replaying the committed log into a fresh state machine).
///
/// Usage: `raft-testnode <id> <member,member,...> [cluster-id] [election-timeout-ticks] [data-dir]`
/// (ticks are 10 ms; the timeout defaults to 10). It listens on an ephemeral
/// loopback port and prints `listening <port>`.
///
/// ## Text protocol
/// Commands, one per line, each answered by one line:
/// - `peer <id> <port>`: where a peer listens (on 127.0.0.1) → `ok`
/// - `start` → `ok`
/// - `propose <text>` → `ok <response>` or `err <description>`
/// - `submit <tag> <text>` → later, `done <tag> ok <response>` or `done <tag> err <description>`
///   (pipelined: answers come in any order, interleaved with other answers)
/// - `status` → `status role=<role> term=<n> leader=<id|none> commit=<n> applied=<n>`
/// - `record` (before `start`) → `ok`: from now on keep every applied command (off by default,
///   so benchmarks do not hold every command in memory)
/// - `applied` → `applied <command>|<command>|...`: the commands applied since `record`
///   (including ones replayed from the data directory), in order
/// - `binary` → `ok`, then both directions switch to the binary protocol for good (send it
///   with no `submit` unanswered: a late `done` line would land among the frames)
/// - `stop` → `ok`, then the process exits.
///
/// ## Binary protocol
/// Pipelined proposals for benchmarks (`TestNodeFrames` in `RaftTestNodeClient`), all integers
/// little-endian. Request: `UInt32` length of what follows, `UInt64` tag, command bytes. Response:
/// `UInt32` length, the request's `UInt64` tag, a status byte (0 ok, 1 error), then the state
/// machine's response or the error's UTF-8 description. Responses come in any order. The frames
/// may follow `binary` at once. The node reads stdin in big chunks, proposes every request of a
/// chunk with one hop to its loop, and writes the responses settled in one loop turn with one
/// write. The end of stdin stops the node; a malformed frame stops it too, with `fatal` on
/// stderr and exit status 1.
@main
struct RaftTestNode {
  static func main() async {
    let arguments = CommandLine.arguments
    guard arguments.count >= 3, let id = UInt64(arguments[1]) else {
      reply("usage: raft-testnode <id> <member,member,...> [cluster-id] [election-timeout-ticks] [data-dir]")
      exit(2)
    }
    let members = arguments[2].split(separator: ",").compactMap { UInt64($0) }.map { NodeID($0) }
    let clusterID = arguments.count > 3 ? arguments[3] : "test"
    let electionTimeoutTicks = arguments.count > 4 ? Int(arguments[4]) ?? 10 : 10
    let dataDirectory = arguments.count > 5 ? arguments[5] : nil
    do {
      let loop = try EventLoop(name: "node-\(id)")
      let transport = TCPTransport(
        configuration: TCPTransportConfiguration(
          clusterID: clusterID, node: NodeID(id), listenAddress: SocketAddress(host: "127.0.0.1", port: 0),
          reconnectMaximumDelay: .milliseconds(200)),
        eventLoop: loop)
      let port = try transport.listen().port
      reply("listening \(port)")
      let storage: any Storage = try dataDirectory.map { try FileStorage(directory: $0) } ?? MemoryStorage()
      let applied = AppliedCommands()
      let node = try RaftNode(
        configuration: NodeConfiguration(id: NodeID(id), members: members, electionTimeoutTicks: electionTimeoutTicks),
        storage: storage,
        transport: transport, stateMachine: EchoStateMachine(applied: applied), eventLoop: loop)
      let input = StandardInput()
      while let line = input.readLine() {
        let words = line.split(separator: " ", maxSplits: 2).map(String.init)
        switch words.first {
        case "peer" where words.count == 3:
          try transport.setPeerAddress(
            SocketAddress(host: "127.0.0.1", port: UInt16(words[2]) ?? 0), for: NodeID(UInt64(words[1]) ?? 0))
          reply("ok")
        case "start":
          try await node.start()
          reply("ok")
        case "propose":
          do {
            let response = try await node.propose(Array(line.dropFirst("propose ".count).utf8))
            reply("ok \(String(decoding: response, as: UTF8.self))")
          } catch {
            reply("err \(error)")
          }
        case "submit" where words.count >= 2:
          // Pipelined: answers `done <tag> ok <response>` or `done <tag> err <description>`
          // whenever the proposal settles, so many can be in flight.
          let tag = words[1]
          let command = Array((words.count > 2 ? words[2] : "").utf8)
          node.propose(command) { result in
            switch result {
            case .success(let response): reply("done \(tag) ok \(String(decoding: response, as: UTF8.self))")
            case .failure(let error): reply("done \(tag) err \(error)")
            }
          }
        case "status":
          let status = try await node.status()
          reply(
            "status role=\(status.role) term=\(status.term) leader=\(status.leader.map { "\($0)" } ?? "none") commit=\(status.commitIndex) applied=\(status.appliedIndex)"
          )
        case "record":
          applied.isRecording = true
          reply("ok")
        case "applied":
          reply("applied " + applied.all.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "|"))
        case "binary":
          reply("ok")
          do {
            try BinaryClient.serve(node: node, buffered: input.takeBuffered())
          } catch {
            writeToStandardError("fatal \(error)\n")
            await node.stop()
            await loop.shutdown()
            exit(1)
          }
          await node.stop()
          await loop.shutdown()
          exit(0)
        case "stop":
          await node.stop()
          reply("ok")
          await loop.shutdown()
          exit(0)
        default:
          reply("err unknown command: \(line)")
        }
      }
      await node.stop()
      await loop.shutdown()
    } catch {
      reply("fatal \(error)")
      exit(1)
    }
  }
}

/// Writes one line to stdout unbuffered, so a parent reading a pipe sees it at once.
func reply(_ line: String) {
  writeToStandardOutput(Array((line + "\n").utf8))
}

func writeToStandardError(_ text: String) { TestNodeChild.writeAll(Array(text.utf8), to: 2) }

/// Answers each command with "index:command", and records it when asked to.
struct EchoStateMachine: StateMachine {
  let applied: AppliedCommands

  mutating func apply(_ command: [UInt8], at index: LogIndex) -> [UInt8] {
    applied.record(command)
    return Array("\(index):".utf8) + command
  }
}

/// The commands applied in this process, readable from the stdin loop once recording is on.
final class AppliedCommands: Sendable {
  private let commands = Mutex<(recording: Bool, list: [[UInt8]])>((false, []))
  var all: [[UInt8]] { commands.withLock { $0.list } }
  var isRecording: Bool {
    get { commands.withLock { $0.recording } }
    set { commands.withLock { $0.recording = newValue } }
  }
  func record(_ command: [UInt8]) { commands.withLock { if $0.recording { $0.list.append(command) } } }
}
