import DequeModule
import RESP
import RaftLibUV

/// What came back from forwarding a request to the leader.
enum ForwardOutcome: Sendable {
  /// The leader's reply to the client, to send unchanged.
  case reply([UInt8])
  /// Nothing usable (the leader moved, the connection broke): retry.
  case retry(String)
}

/// Sends log entries a follower cannot propose to the leader's client port, as the internal
/// `RAFT.PROPOSE` command, over one pipelined connection per leader address.
///
/// Lives on the node's loop thread.
final class Forwarder: @unchecked Sendable {
  // @unchecked: confined to `eventLoop`'s thread.
  private let eventLoop: EventLoop
  private var links: [SocketAddress: ForwardLink] = [:]

  init(eventLoop: EventLoop) { self.eventLoop = eventLoop }

  /// Sends `entry` (server entry bytes) to the server at `address` and waits for its answer.
  func forward(_ entry: [UInt8], to address: SocketAddress) async -> ForwardOutcome {
    await withCheckedContinuation { (continuation: CheckedContinuation<ForwardOutcome, Never>) in
      let accepted = eventLoop.execute {
        let link = self.links[address] ?? self.makeLink(address)
        link.send(entry) { continuation.resume(returning: $0) }
      }
      if !accepted { continuation.resume(returning: .retry("the server is stopping")) }
    }
  }

  private func makeLink(_ address: SocketAddress) -> ForwardLink {
    let link = ForwardLink(address: address, eventLoop: eventLoop) { [weak self] link in
      if self?.links[address] === link { self?.links[address] = nil }
    }
    links[address] = link
    return link
  }

  /// Closes every connection; waiting requests get ``ForwardOutcome/retry(_:)``.
  func close() {
    for link in links.values { link.fail("the server is stopping") }
    links.removeAll()
  }
}

/// One connection to a leader's client port, with requests answered in order.
private final class ForwardLink {
  typealias Completion = (ForwardOutcome) -> Void

  private let address: SocketAddress
  private let eventLoop: EventLoop
  private let onClosed: (ForwardLink) -> Void
  private var connection: TCPConnection?
  private var connecting = false
  private var unsent: [[UInt8]] = []
  private var waiting = Deque<(sentAt: ContinuousClock.Instant, completion: Completion)>()
  private var decoder = RESPValueDecoder()
  private var watchdog: LoopTimer?
  /// A leader that answers nothing for this long (stopped, partitioned) is given up on.
  static let answerTimeout = Duration.seconds(5)

  init(address: SocketAddress, eventLoop: EventLoop, onClosed: @escaping (ForwardLink) -> Void) {
    self.address = address
    self.eventLoop = eventLoop
    self.onClosed = onClosed
  }

  func send(_ entry: [UInt8], completion: @escaping Completion) {
    let request = RESPValue.array([.bulk("RAFT.PROPOSE"), .bulkString(entry)]).encoded
    waiting.append((ContinuousClock.now, completion))
    startWatchdog()
    if let connection {
      connection.write(request)
      return
    }
    unsent.append(request)
    guard !connecting else { return }
    connecting = true
    TCPConnection.connect(to: address, on: eventLoop) { [self] result in
      connecting = false
      switch result {
      case .failure(let error): fail("cannot reach the leader at \(address): \(error.name)")
      case .success(let connection):
        self.connection = connection
        connection.onRead = { [unowned self] bytes in received(bytes) }
        connection.onClose = { [unowned self] _ in fail("lost the connection to the leader at \(address)") }
        connection.startReading()
        for request in unsent { connection.write(request) }
        unsent.removeAll()
      }
    }
  }

  private func received(_ bytes: UnsafeRawBufferPointer) {
    decoder.append(bytes)
    do {
      while let value = try decoder.next() {
        guard let (_, completion) = waiting.popFirst() else { break }
        switch value {
        case .bulkString(let reply?): completion(.reply(reply))
        case .error(let reason):
          completion(.retry(reason.hasPrefix("TRYAGAIN ") ? String(reason.dropFirst(9)) : reason))
        default: completion(.retry("unexpected answer from the leader at \(address)"))
        }
      }
    } catch {
      fail("bad answer from the leader at \(address): \(error)")
    }
  }

  func fail(_ reason: String) {
    let pending = waiting
    waiting.removeAll()
    unsent.removeAll()
    let connection = self.connection
    self.connection = nil
    connection?.onClose = nil
    connection?.close()
    watchdog?.close()
    watchdog = nil
    onClosed(self)
    for (_, completion) in pending { completion(.retry(reason)) }
  }

  private func startWatchdog() {
    guard watchdog == nil else { return }
    let timer = LoopTimer(on: eventLoop)
    timer.start(delayMilliseconds: 500, repeatMilliseconds: 500) { [unowned self] in
      if let oldest = waiting.first, oldest.sentAt.duration(to: .now) > Self.answerTimeout {
        fail("the leader at \(address) did not answer within \(Self.answerTimeout)")
      }
    }
    watchdog = timer
  }
}
