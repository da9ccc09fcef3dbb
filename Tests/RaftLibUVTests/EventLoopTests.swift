import Synchronization
import Testing

@testable import RaftLibUV

@Suite("Event loop")
struct EventLoopTests {
  @Test("libuv is linked and reports a 1.x version")
  func linked() {
    #expect(LibUVVersion.string.hasPrefix("1."))
  }

  @Test("Jobs from many tasks all run on the loop thread, each task's in submission order")
  func jobsRunInOrder() async throws {
    let loop = try EventLoop(name: "test")
    let seen = Locked<[Int: [Int]]>([:])
    let offLoop = Locked(0)
    await withTaskGroup(of: Void.self) { group in
      for task in 0..<4 {
        group.addTask {
          for i in 0..<500 {
            loop.execute {
              if !loop.inLoopThread { offLoop.withLock { $0 += 1 } }
              seen.withLock { $0[task, default: []].append(i) }
            }
          }
        }
      }
    }
    _ = try await loop.submit {}
    #expect(offLoop.value == 0)
    for task in 0..<4 { #expect(seen.value[task] == Array(0..<500)) }
    #expect(!loop.inLoopThread)
    await loop.shutdown()
  }

  @Test("A repeating timer fires on the loop thread until stopped, and closes cleanly")
  func timer() async throws {
    let loop = try EventLoop()
    let fired = Locked(0)
    let timer = try await loop.submit {
      let timer = LoopTimer(on: loop)
      timer.start(delayMilliseconds: 1, repeatMilliseconds: 1) { fired.withLock { $0 += 1 } }
      return timer
    }
    try await waitUntil { fired.value >= 5 }
    try await loop.submit { timer.close() }
    await loop.shutdown()
  }

  @Test("After shutdown no job runs and submit throws; shutdown is idempotent")
  func shutdown() async throws {
    let loop = try EventLoop()
    #expect(try loop.runBlocking { 41 + 1 } == 42)
    await loop.shutdown()
    await loop.shutdown()
    #expect(loop.execute {} == false)
    await #expect(throws: EventLoopError.shutDown) { try await loop.submit {} }
  }
}

/// Polls `condition` until it holds, failing after `timeout` (generous: CI machines are slow).
///
/// The whole suite shares a small cooperative thread pool with CPU-heavy simulation tests, so
/// a waiter can be starved for seconds: it always checks once more after waking, and gives up
/// only after the deadline *and* a minimum number of polls.
func waitUntil(
  timeout: Duration = .seconds(20), _ what: String = "condition",
  sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
  let deadline = ContinuousClock.now + timeout
  var polls = 0
  while true {
    if try await condition() { return }
    polls += 1
    if ContinuousClock.now >= deadline && polls >= 200 { break }
    try await Task.sleep(for: .milliseconds(5))
  }
  Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
  throw WaitTimeout(what: what)
}

struct WaitTimeout: Error { var what: String }

/// A value shared between the test and callbacks on other threads.
final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>
  init(_ value: Value) { mutex = Mutex(value) }
  var value: Value { mutex.withLock { $0 } }
  @discardableResult
  func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
