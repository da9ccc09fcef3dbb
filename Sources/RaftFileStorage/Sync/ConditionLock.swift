#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A mutex with a condition variable, guarding a value: what a thread that sleeps until there is
/// work needs (the standard library's `Mutex` has no way to wait).
final class ConditionLock<Value>: @unchecked Sendable {
  // Heap-allocated so the pthread objects never move.
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Touched only with `mutex` held.
  private var value: Value

  init(_ value: Value) {
    self.value = value
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    condition.deallocate()
  }

  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }

  /// Waits until `ready` holds, then runs `body` under the same hold of the lock.
  func wait<Result>(until ready: (Value) -> Bool, then body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while !ready(value) { pthread_cond_wait(condition, mutex) }
    return try body(&value)
  }

  /// Wakes every waiter (call after changing the value under the lock).
  func broadcast() { pthread_cond_broadcast(condition) }
}

/// Runs a closure on a new dedicated OS thread that can be joined.
final class DedicatedThread: @unchecked Sendable {
  private var thread = pthread_t()

  init(_ body: @escaping @Sendable () -> Void) {
    final class Box {
      let body: @Sendable () -> Void
      init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let result = pthread_create(
      &thread, nil,
      { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        box.body()
        return nil
      }, context)
    precondition(result == 0, "pthread_create failed: \(result)")
  }

  /// Waits for the thread to end; from the thread itself (a completion that dropped the last
  /// reference to its storage) it detaches instead, since a thread cannot wait for itself.
  func join() {
    if pthread_equal(pthread_self(), thread) != 0 {
      pthread_detach(thread)
    } else {
      pthread_join(thread, nil)
    }
  }
}
