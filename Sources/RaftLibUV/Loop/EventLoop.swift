import CLibUV
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A libuv event loop running on its own thread.
///
/// Everything that touches libuv handles, and everything a node runtime keeps unlocked, runs on
/// this one thread. Other threads hand it work with ``execute(_:)``: submissions queue under a
/// lock and a single `uv_async_t` wakes the loop, which runs every job that arrived in between,
/// in submission order (libuv coalesces wake-ups, so a burst costs one wake-up).
///
/// ## Lifetime
/// The loop starts in ``init(name:)`` and runs until ``shutdown()``. Owners of handles close
/// them before shutdown (a node closes its transport and timers when it stops); shutdown closes
/// whatever is left, lets the close callbacks run, and joins the thread.
public final class EventLoop: @unchecked Sendable {
  // @unchecked: `loop` and `wakeup` are touched only on the loop thread, except
  // `uv_async_send`, which libuv documents as thread-safe; the job queue is under a Mutex.

  /// A thread-safe job for the loop thread.
  public typealias Job = @Sendable () -> Void

  private struct Queue {
    var jobs: [Job] = []
    var accepting = true
  }

  /// The libuv loop; use only on the loop thread.
  let loop: UnsafeMutablePointer<uv_loop_t>
  private let wakeup: UnsafeMutablePointer<uv_async_t>
  private let queue = Mutex(Queue())
  private let threadID = Mutex<pthread_t?>(nil)
  private let finished = Mutex<[CheckedContinuation<Void, Never>]?>([])
  private var thread = pthread_t()

  /// A name for logs and debuggers.
  public let name: String

  /// Starts a loop on a new thread.
  /// - Throws: ``LibUVError`` if libuv cannot create the loop.
  public init(name: String = "raft-loop") throws(LibUVError) {
    self.name = name
    loop = allocateHandle(uv_loop_t.self)
    wakeup = allocateHandle(uv_async_t.self)
    do {
      try LibUVError.check(uv_loop_init(loop), "uv_loop_init")
    } catch {
      loop.deallocate()
      wakeup.deallocate()
      throw error
    }
    // The async handle's data points at the loop unretained: the loop outlives its handles.
    try LibUVError.check(
      uv_async_init(loop, wakeup) { handle in
        guard let data = handle?.pointee.data else { return }
        Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().runQueuedJobs()
      }, "uv_async_init")
    wakeup.pointee.data = Unmanaged.passUnretained(self).toOpaque()

    // The thread holds the loop alive while it runs.
    let context = Unmanaged.passRetained(self).toOpaque()
    let created = pthread_create(
      &thread, nil,
      { context in
        let loop = Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue()
        loop.run()
        return nil
      }, context)
    precondition(created == 0, "pthread_create failed: \(created)")
  }

  deinit {
    uv_loop_close(loop)
    loop.deallocate()
  }

  /// Whether the caller runs on this loop's thread.
  public var inLoopThread: Bool {
    threadID.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
  }

  /// Traps unless called on the loop thread: guards code that touches loop-confined state.
  public func preconditionInLoopThread(file: StaticString = #fileID, line: UInt = #line) {
    precondition(inLoopThread, "must run on the event loop thread \(name)", file: file, line: line)
  }

  /// Runs `job` on the loop thread, after the jobs submitted before it. Callable from any
  /// thread, the loop thread included (the job then runs on a later turn, never inline).
  /// - Returns: false if the loop is shutting down and the job will not run.
  @discardableResult
  public func execute(_ job: @escaping Job) -> Bool {
    let wasEmpty = queue.withLock { queue -> Bool? in
      guard queue.accepting else { return nil }
      queue.jobs.append(job)
      return queue.jobs.count == 1
    }
    guard let wasEmpty else { return false }
    // One wake-up per batch: the loop drains everything queued when it wakes.
    if wasEmpty { uv_async_send(wakeup) }
    return true
  }

  /// Runs `body` on the loop thread and returns its result.
  public func submit<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      let accepted = execute {
        do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
      }
      if !accepted { continuation.resume(throwing: EventLoopError.shutDown) }
    }
  }

  /// Runs `body` on the loop thread, blocking the caller until it returns (inline when called
  /// on the loop thread). For setup code outside async contexts.
  public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    if inLoopThread { return try body() }
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = Semaphore()
    let accepted = execute {
      result.withLock { $0 = Result { try body() } }
      done.signal()
    }
    guard accepted else { throw EventLoopError.shutDown }
    done.wait()
    return try result.withLock { $0! }.get()
  }

  /// Jobs submitted and not yet started (for tests that need a batch to form).
  var queuedJobCount: Int { queue.withLock { $0.jobs.count } }

  private func runQueuedJobs() {
    let jobs = queue.withLock { queue in
      defer { queue.jobs.removeAll(keepingCapacity: true) }
      return queue.jobs
    }
    for job in jobs { job() }
  }

  private func run() {
    threadID.withLock { $0 = pthread_self() }
    uv_run(loop, UV_RUN_DEFAULT)
    threadID.withLock { $0 = nil }
    let waiters = finished.withLock { waiters in
      defer { waiters = nil }
      return waiters ?? []
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Stops accepting jobs, runs the ones already queued, closes every handle still open, and
  /// waits for the loop thread to exit. Idempotent; must not be called on the loop thread.
  public func shutdown() async {
    precondition(!inLoopThread, "EventLoop.shutdown() on its own thread would wait for itself")
    let first = queue.withLock { queue in
      defer { queue.accepting = false }
      return queue.accepting
    }
    if first {
      // Appended after the stop flag, so it runs last.
      queue.withLock {
        $0.jobs.append { [self] in
          self.runQueuedJobs()
          uv_walk(
            loop,
            { handle, _ in
              guard let handle, uv_is_closing(handle) == 0 else { return }
              // The wake-up handle belongs to the loop; other handles still open were leaked by
              // their owners: close them without freeing, since their owners may still hold them.
              uv_close(handle, nil)
            }, nil)
        }
      }
      uv_async_send(wakeup)
    }
    await withCheckedContinuation { continuation in
      let alreadyDone = finished.withLock { waiters -> Bool in
        guard waiters != nil else { return true }
        waiters!.append(continuation)
        return false
      }
      if alreadyDone { continuation.resume() }
    }
    if first {
      pthread_join(thread, nil)
      wakeup.deallocate()
    }
  }
}

/// Why a job did not run.
public enum EventLoopError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The loop is shutting down and accepts no more work.
  case shutDown

  public var description: String { "the event loop is shut down" }
}
