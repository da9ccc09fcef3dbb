import CLibUV

/// A libuv timer: runs a callback on the loop thread after a delay, once or repeatedly.
///
/// Create, start, stop and close it on the loop thread. ``close()`` frees the handle once libuv
/// is done with it; a closed timer never fires again.
public final class LoopTimer: @unchecked Sendable {
  // @unchecked: confined to the loop thread (every method checks).
  private let eventLoop: EventLoop
  private var handle: UnsafeMutablePointer<uv_timer_t>?
  private var callback: (() -> Void)?

  /// A stopped timer on `eventLoop`. Call on the loop thread.
  public init(on eventLoop: EventLoop) {
    eventLoop.preconditionInLoopThread()
    self.eventLoop = eventLoop
    let handle = allocateHandle(uv_timer_t.self)
    precondition(uv_timer_init(eventLoop.loop, handle) == 0, "uv_timer_init cannot fail on a live loop")
    attach(TimerBox(self), to: handle)
    self.handle = handle
  }

  /// Fires `callback` after `delayMilliseconds`, then every `repeatMilliseconds` if that is
  /// above zero. Replaces any earlier schedule.
  public func start(delayMilliseconds: UInt64, repeatMilliseconds: UInt64 = 0, _ callback: @escaping () -> Void) {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    self.callback = callback
    uv_timer_start(
      handle,
      { handle in
        guard let box = owner(of: asHandle(handle!), as: TimerBox.self) else { return }
        box.timer?.callback?()
      }, delayMilliseconds, repeatMilliseconds)
  }

  /// Cancels the schedule; the timer can be started again.
  public func stop() {
    eventLoop.preconditionInLoopThread()
    if let handle { uv_timer_stop(handle) }
  }

  /// Stops the timer for good and releases its handle.
  public func close() {
    eventLoop.preconditionInLoopThread()
    guard let handle else { return }
    self.handle = nil
    callback = nil
    closeHandle(handle)
  }
}

/// What a timer handle's `data` retains: a weak link, so a timer dropped without ``LoopTimer/close()``
/// does not keep itself alive through its own handle.
private final class TimerBox {
  weak var timer: LoopTimer?
  init(_ timer: LoopTimer) { self.timer = timer }
}
