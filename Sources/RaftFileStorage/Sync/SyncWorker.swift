import Raft
import Synchronization

/// The fsync thread: makes written data durable and then completes requests, in order.
///
/// Group commit: a request is written by the caller of ``FileStorage/persist(_:completion:)``
/// and queued here. This thread takes *everything* queued, syncs once (every segment written
/// since the last sync, the log directory if files came or went, then the metadata), and
/// completes the batch. Requests that arrive during that sync wait for the next one and share
/// it, so under load one fsync covers many requests and throughput follows concurrency instead
/// of the disk's fsync rate.
///
/// The metadata (hard state) is written only after the log sync, so a request's entries are
/// durable no later than its hard state, and a recovered commit index never points past the
/// recovered log.
///
/// A hard state that differs from the stored one only in its commit index is not written at
/// once: the commit index is volatile in Raft (a restarted node relearns it from the leader, and
/// replays its log to it), and writing it cost a second fsync in every round, on the leader and
/// on each follower before it acknowledged. It is kept in memory (``latestHardState``) and
/// written with the next change of term or vote, and on ``stop()``. etcd does the same: its
/// `MustSync` is false when only the commit index changed.
final class SyncWorker: Sendable {
  struct Pending {
    var completion: @Sendable (Result<Void, any Error>) -> Void
    var hardState: HardState?
    /// Set when writing the request already failed; it completes with this error.
    var error: (any Error)?
  }

  private struct Queue {
    var pending: [Pending] = []
    var dirtyFiles: [ObjectIdentifier: SharedFile] = [:]
    var directoryChanged = false
    var stopping = false
    /// After the first failed sync nothing is durable any more; later requests fail too.
    var failure: (any Error)?
  }

  private let queue = ConditionLock(Queue())
  private let metadata: MetadataFile
  private let logDirectory: String
  private let thread = Mutex<DedicatedThread?>(nil)
  private let rounds = Atomic<Int>(0)
  /// The newest hard state completed, when it is newer than the stored one only in its commit
  /// index.
  private let deferred = Mutex<HardState?>(nil)

  /// The newest hard state of a completed request: the stored one, or a newer commit index not
  /// yet written.
  var latestHardState: HardState { deferred.withLock { $0 } ?? metadata.current.hardState }

  /// Sync rounds completed so far (each one fsync of the log, however many requests it covered).
  var completedRounds: Int { rounds.load(ordering: .relaxed) }

  init(metadata: MetadataFile, logDirectory: String) {
    self.metadata = metadata
    self.logDirectory = logDirectory
    let thread = DedicatedThread { [self] in self.run() }
    self.thread.withLock { $0 = thread }
  }

  /// Queues a written request; `files` are those it wrote to, `directoryChanged` whether it
  /// created or removed files.
  func enqueue(_ pending: Pending, files: [SharedFile], directoryChanged: Bool) {
    queue.withLock { queue in
      queue.pending.append(pending)
      for file in files { queue.dirtyFiles[ObjectIdentifier(file)] = file }
      if directoryChanged { queue.directoryChanged = true }
    }
    queue.broadcast()
  }

  /// Completes everything queued, writes a deferred commit index, then stops the thread and
  /// waits for it.
  func stop() {
    queue.withLock { $0.stopping = true }
    queue.broadcast()
    let thread = self.thread.withLock { thread in
      defer { thread = nil }
      return thread
    }
    thread?.join()
  }

  private func run() {
    while true {
      let taken = queue.wait(
        until: { !$0.pending.isEmpty || $0.stopping },
        then: { queue in
          defer {
            queue.pending.removeAll(keepingCapacity: true)
            queue.dirtyFiles.removeAll(keepingCapacity: true)
            queue.directoryChanged = false
          }
          return (queue.pending, Array(queue.dirtyFiles.values), queue.directoryChanged, queue.stopping, queue.failure)
        })
      let (batch, files, directoryChanged, stopping, earlierFailure) = taken
      if batch.isEmpty && stopping {
        if earlierFailure == nil, let hardState = deferred.withLock({ $0 }) {
          try? metadata.update { $0.hardState = hardState }
        }
        return
      }
      var failure = earlierFailure
      if failure == nil {
        do {
          for file in files { try FileSystem.dataSync(file.descriptor, path: file.path) }
          if directoryChanged { try FileSystem.syncDirectory(logDirectory) }
          // Requests after a failed write are failed too, so only the prefix before it counts.
          let written = batch.prefix { $0.error == nil }
          if let hardState = written.last(where: { $0.hardState != nil })?.hardState {
            let stored = metadata.current.hardState
            if hardState.term == stored.term && hardState.votedFor == stored.votedFor {
              deferred.withLock { $0 = hardState }
            } else {
              try metadata.update { $0.hardState = hardState }
              deferred.withLock { $0 = nil }
            }
          }
        } catch {
          failure = error
          queue.withLock { $0.failure = error }
        }
      }
      rounds.add(1, ordering: .relaxed)
      for request in batch {
        if let error = request.error ?? failure {
          request.completion(.failure(error))
        } else {
          request.completion(.success(()))
        }
      }
    }
  }
}
