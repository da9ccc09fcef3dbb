import DequeModule
import RESP
import RaftLibUV

/// One client connection: decodes requests and answers them in arrival order.
///
/// A client's own requests run one at a time (so a session never has two writes in flight,
/// which ``ExampleSupport/SessionTable`` relies on); requests forwarded by another node run
/// concurrently, since each carries its own client's session. Either way replies leave in
/// request order, so pipelining works. A client that pipelines far ahead of its replies stops
/// being read until the backlog drains.
///
/// Lives on the node's loop thread.
final class ClientSession: @unchecked Sendable {
  // @unchecked: confined to the loop thread of its connection.

  private enum Item {
    case request(RESPRequest)
    case malformed(RESPProtocolError)
  }

  /// A reply's place in the output order.
  fileprivate final class Slot {
    var reply: [UInt8]?
    var closeAfter = false
    /// Its work holds back the session's next request.
    var sequential = false
  }

  private static let pauseBacklog = 1024
  private static let resumeBacklog = 256

  private let connection: TCPConnection
  private unowned let server: ClientRequestHandler
  private var decoder = RESPRequestDecoder()
  private var queue = Deque<Item>()
  private var slots = Deque<Slot>()
  private var busy = false
  private var closing = false
  private var readingPaused = false
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
      connection.stopReading()
    }
    if queue.count + slots.count > Self.pauseBacklog && !readingPaused {
      readingPaused = true
      connection.stopReading()
    }
    pump()
  }

  private func pump() {
    while !busy && !closing, let item = queue.popFirst() {
      let slot = Slot()
      slots.append(slot)
      switch item {
      case .malformed(let error):
        slot.reply = RESPValue.error("ERR \(error)").encoded
        slot.closeAfter = true
        closing = true
      case .request(.tooLarge(let length, let limit)):
        slot.reply =
          RESPValue.error("ERR request too large: an argument of \(length) bytes exceeds the limit of \(limit)").encoded
      case .request(.command(let arguments)):
        switch server.handle(arguments, session: self) {
        case .now(let reply): slot.reply = reply
        case .close(let reply):
          slot.reply = reply
          slot.closeAfter = true
          closing = true
        case .later(let work):
          busy = true
          slot.sequential = true
          run(work, into: slot)
        case .concurrent(let work):
          run(work, into: slot)
        }
      }
    }
    writeReadyReplies()
    if readingPaused && !closing && queue.count + slots.count < Self.resumeBacklog {
      readingPaused = false
      connection.startReading()
    }
  }

  private func run(_ work: @escaping @Sendable () async -> [UInt8], into slot: Slot) {
    let loop = connection.eventLoop
    let box = SlotBox(slot)
    Task {
      let reply = await work()
      loop.execute { self.finish(box.slot, reply) }
    }
  }

  private func finish(_ slot: Slot, _ reply: [UInt8]) {
    slot.reply = reply
    if slot.sequential { busy = false }
    guard connection.isOpen else { return }
    pump()
  }

  private func writeReadyReplies() {
    while let first = slots.first, let reply = first.reply {
      slots.removeFirst()
      connection.write(reply)
      if first.closeAfter {
        connection.closeAfterWrites()
        return
      }
    }
  }
}

/// Carries a slot across the task hop (it is only touched on the loop thread).
private final class SlotBox: @unchecked Sendable {
  let slot: ClientSession.Slot
  init(_ slot: ClientSession.Slot) { self.slot = slot }
}

/// A reply now, or work whose reply comes later.
enum ClientReply {
  case now([UInt8])
  /// Reply, then close the connection (QUIT).
  case close([UInt8])
  /// Work that must finish before the session's next request starts.
  case later(@Sendable () async -> [UInt8])
  /// Work that may overlap the session's other requests (its reply still leaves in order).
  case concurrent(@Sendable () async -> [UInt8])
}

/// Answers a session's commands (the node server).
protocol ClientRequestHandler: AnyObject {
  func handle(_ arguments: [[UInt8]], session: ClientSession) -> ClientReply
}
