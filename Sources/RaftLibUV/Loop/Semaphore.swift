import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A counting semaphore for the few places a thread outside Swift concurrency must wait for the
/// loop (blocking setup calls). Never used on the loop thread or inside async code.
final class Semaphore: @unchecked Sendable {
  // @unchecked: sem_t is used only through the thread-safe sem_* functions.
  private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

  init(value: UInt32 = 0) { sem_init(semaphore, 0, value) }

  deinit {
    sem_destroy(semaphore)
    semaphore.deallocate()
  }

  func signal() { sem_post(semaphore) }

  func wait() {
    while sem_wait(semaphore) != 0 {}
  }
}
