import CLibUV

/// Runs a callback once on the loop's next turn, before it waits for I/O.
///
/// Work that arrives in one turn (messages from several connections, completions, proposals)
/// is gathered and handled together on the next turn; while it is scheduled the loop polls
/// without blocking, so scheduling never adds a timer's worth of latency.
final class LoopIdle {
  private let eventLoop: EventLoop
  private var handle: UnsafeMutablePointer<uv_idle_t>?
  private let callback: () -> Void
  private(set) var isScheduled = false

  init(on eventLoop: EventLoop, _ callback: @escaping () -> Void) {
    eventLoop.preconditionInLoopThread()
    self.eventLoop = eventLoop
    self.callback = callback
    let handle = allocateHandle(uv_idle_t.self)
    uv_idle_init(eventLoop.loop, handle)
    attach(IdleBox(self), to: handle)
    self.handle = handle
  }

  /// Runs the callback on the next turn (once, however often this is called meanwhile).
  func schedule() {
    guard !isScheduled, let handle else { return }
    isScheduled = true
    uv_idle_start(handle) { handle in
      guard let idle = owner(of: asHandle(handle!), as: IdleBox.self)?.idle else { return }
      idle.fire()
    }
  }

  private func fire() {
    isScheduled = false
    if let handle { uv_idle_stop(handle) }
    callback()
  }

  func close() {
    guard let handle else { return }
    self.handle = nil
    isScheduled = false
    closeHandle(handle)
  }
}

private final class IdleBox {
  weak var idle: LoopIdle?
  init(_ idle: LoopIdle) { self.idle = idle }
}
