import DequeModule
import RESP
import RaftLibUV

/// One client connection: decodes requests, runs them one at a time in arrival order, and
/// writes each reply before starting the next, so pipelined requests are answered in order and
/// a session never has two writes in flight (what ``ExampleSupport/SessionTable`` relies on).
///
/// Lives on the node's loop thread.
final class ClientSession: @unchecked Sendable {
  // @unchecked: confined to the loop thread of its connection.
  private enum Item {
    case request(RESPRequest)
    case malformed(RESPProtocolError)
  }

  private let connection: TCPConnection
  private unowned let server: ClientRequestHandler
  private var decoder = RESPRequestDecoder()
  private var queue = Deque<Item>()
  private var busy = false
  private var closing = false
  /// The session's id in the log: random, so ids of all nodes and restarts never collide.
  let clientID = UInt64.random(in: 1...UInt64.max)
  private var lastSequence: UInt64 = 0

  init(connection: TCPConnection, server: ClientRequestHandler) {
    self.connection = connection
    self.server = server
  }

  func start(onClose: @escaping (ClientSession) -> Void) {
    connection.onRead = { [unowned self] bytes in received(bytes) }
    connection.onClose = { [unowned self] _ in
      closing = true
      onClose(self)
    }
    connection.startReading()
  }

  func close() { connection.close() }

  /// The next sequence number for a write of this session.
  func nextSequence() -> UInt64 {
    lastSequence += 1
    return lastSequence
  }

  private func received(_ bytes: UnsafeRawBufferPointer) {
    decoder.append(bytes)
    do {
      while let request = try decoder.next() { queue.append(.request(request)) }
    } catch {
      // Framing is lost: answer what came before, then the error, then close.
      queue.append(.malformed(error))
      connection.onRead = nil
    }
    pump()
  }

  private func pump() {
    while !busy && !closing, let item = queue.popFirst() {
      switch item {
      case .malformed(let error):
        connection.write(RESPValue.error("ERR \(error)").encoded)
        connection.closeAfterWrites()
        closing = true
      case .request(.tooLarge(let length, let limit)):
        connection.write(
          RESPValue.error("ERR request too large: an argument of \(length) bytes exceeds the limit of \(limit)").encoded
        )
      case .request(.command(let arguments)):
        switch server.handle(arguments, session: self) {
        case .now(let reply): connection.write(reply)
        case .close(let reply):
          connection.write(reply)
          connection.closeAfterWrites()
          closing = true
        case .later(let work):
          busy = true
          let loop = connection.eventLoop
          Task {
            let reply = await work()
            loop.execute { self.finish(reply) }
          }
        }
      }
    }
  }

  private func finish(_ reply: [UInt8]) {
    busy = false
    guard connection.isOpen else { return }
    connection.write(reply)
    pump()
  }
}

/// A reply now, or work whose reply comes later.
enum ClientReply {
  case now([UInt8])
  /// Reply, then close the connection (QUIT).
  case close([UInt8])
  case later(@Sendable () async -> [UInt8])
}

/// Answers a session's commands (the node server).
protocol ClientRequestHandler: AnyObject {
  func handle(_ arguments: [[UInt8]], session: ClientSession) -> ClientReply
}
