import CLibUV
import Raft

/// A connection a peer opened to this node: a handshake, then a stream of message frames
/// from that peer. Anything else closes it with a logged reason.
final class InboundConnection: StreamOwner {
  private var handle: UnsafeMutablePointer<uv_tcp_t>?
  private var decoder: FrameDecoder
  private var handshakeTimer: LoopTimer?
  /// The peer, once its handshake was accepted.
  private(set) var peer: NodeID?
  let remote: String

  init(transport: TCPTransport, handle: UnsafeMutablePointer<uv_tcp_t>, remote: String) {
    self.handle = handle
    self.remote = remote
    self.decoder = FrameDecoder(maximumLength: transport.configuration.maximumFrameLength)
    super.init(transport: transport)
  }

  var isOpen: Bool { handle != nil }

  func start(handshakeTimeoutMilliseconds: UInt64) {
    guard let transport, let handle else { return }
    let timer = LoopTimer(on: transport.eventLoop)
    timer.start(delayMilliseconds: handshakeTimeoutMilliseconds) { [weak self] in
      guard let self, self.peer == nil else { return }
      self.transport?.count { $0.handshakesRefused += 1 }
      self.close(level: .notice, "no handshake within \(handshakeTimeoutMilliseconds) ms")
    }
    handshakeTimer = timer
    let status = startReading(handle)
    if status < 0 { close(level: .warning, "read failed: \(describeStatus(status))") }
  }

  override func didRead(_ count: Int, _ bytes: UnsafeRawBufferPointer) {
    guard handle != nil else { return }
    guard count > 0 else {
      if decoder.bufferedByteCount > 0 {
        transport?.count { $0.truncatedFrames += 1 }
        close(
          level: .notice, "closed by peer mid-frame; dropped \(decoder.bufferedByteCount) bytes of a truncated frame")
      } else {
        close(level: .debug, "closed by peer: \(describeStatus(Int32(count)))")
      }
      return
    }
    decoder.append(bytes)
    do {
      while handle != nil, let frame = try decoder.next() { handle(frame) }
    } catch {
      transport?.count { $0.connectionsClosedForBadInput += 1 }
      close(level: .warning, "malformed input: \(error)")
    }
  }

  private func handle(_ frame: Frame) {
    guard let transport else { return }
    switch frame {
    case .handshake(let handshake):
      if let peer {
        transport.count { $0.connectionsClosedForBadInput += 1 }
        return close(level: .warning, "second handshake on a connection from node \(peer)")
      }
      if let refusal = transport.refusal(of: handshake) {
        transport.count { $0.handshakesRefused += 1 }
        return close(level: .warning, "handshake refused: \(refusal)")
      }
      peer = handshake.from
      handshakeTimer?.close()
      handshakeTimer = nil
      transport.accepted(self, from: handshake.from)
    case .message(let message):
      guard let peer else {
        transport.count { $0.connectionsClosedForBadInput += 1 }
        return close(level: .warning, "message before handshake")
      }
      guard message.from == peer, message.to == transport.configuration.node else {
        transport.count { $0.connectionsClosedForBadInput += 1 }
        return close(level: .warning, "message \(message.from)->\(message.to) on the connection from node \(peer)")
      }
      transport.deliver(message)
    }
  }

  /// Closes the connection (once) and logs why.
  func close(level: LogLevel, _ reason: String) {
    guard let handle else { return }
    self.handle = nil
    handshakeTimer?.close()
    handshakeTimer = nil
    transport?.log.log(level, .connection, "closing connection from \(peer.map { "node \($0)" } ?? remote): \(reason)")
    uv_read_stop(asStream(handle))
    closeHandle(handle)
    transport?.forget(self)
  }
}
