import RaftLibUV
import RaftTestNodeClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The binary mode of `raft-testnode`: proposals in ``TestNodeFrames`` until the end of input.
///
/// Costs are per read and per loop turn, not per proposal: standard input is read in big
/// chunks, every request in a chunk is proposed with one hop to the node's loop, and the
/// responses that settle in one turn of the loop go out in one write.
enum BinaryClient {
  /// Serves requests from standard input (starting with `buffered`, bytes already read) until
  /// it ends. - Throws: ``MalformedFrame`` on a garbled stream.
  static func serve(node: RaftNode, buffered: [UInt8]) throws(MalformedFrame) {
    let output = ResponseOutput(eventLoop: node.eventLoop)
    var decoder = TestNodeFrameDecoder()
    decoder.append(buffered)
    while true {
      var tags: [UInt64] = []
      var commands: [[UInt8]] = []
      while let request = try decoder.nextRequest() {
        tags.append(request.tag)
        commands.append(request.command)
      }
      if !commands.isEmpty {
        node.propose(commands) { [tags] position, result in output.send(tag: tags[position], result) }
      }
      let count = decoder.append(capacity: 256 << 10) { StandardInput.read(into: $0) }
      if count <= 0 { return }
    }
  }
}

/// Responses waiting for the next write to standard output.
///
/// Completions run on the loop thread and only append here; the first one after a write asks
/// the loop for a flush, which runs once the loop has finished its current work, so one write
/// carries every response settled meanwhile.
final class ResponseOutput: Sendable {
  private let eventLoop: EventLoop
  private let pending = Mutex<[UInt8]>([])

  init(eventLoop: EventLoop) {
    self.eventLoop = eventLoop
  }

  func send(tag: UInt64, _ result: Result<[UInt8], RaftNodeError>) {
    let first = pending.withLock { buffer in
      let wasEmpty = buffer.isEmpty
      switch result {
      case .success(let response):
        TestNodeFrames.appendResponse(tag: tag, status: .ok, payload: response, to: &buffer)
      case .failure(let error):
        TestNodeFrames.appendResponse(tag: tag, status: .error, payload: "\(error)".utf8, to: &buffer)
      }
      return wasEmpty
    }
    guard first else { return }
    // The loop is gone only when the node is shutting down: write at once then.
    if !eventLoop.execute({ self.flush() }) { flush() }
  }

  /// Writes everything pending. Blocks the loop thread while the pipe is full: the client is
  /// expected to read its responses.
  private func flush() {
    let bytes = pending.withLock { buffer in
      defer { buffer = [] }
      return buffer
    }
    writeToStandardOutput(bytes)
  }
}
