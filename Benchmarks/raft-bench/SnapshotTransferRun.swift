import ArgumentParser
import Raft
import Synchronization

/// Two engines running the InstallSnapshot protocol over storages that keep snapshots in
/// files: the leader holds the snapshot, the follower starts empty. Messages go straight into
/// the other engine; persistence requests are written and acknowledged at once.
struct SnapshotTransferRun {
  private var leader: RaftEngine
  private var follower: RaftEngine
  private let leaderStorage: FileSnapshotStorage
  private let followerStorage: FileSnapshotStorage
  private let metadata: SnapshotMetadata
  private var toLeader: [Message] = []
  private var toFollower: [Message] = []
  private var installed = false

  init(
    leaderStorage: FileSnapshotStorage, followerStorage: FileSnapshotStorage, metadata: SnapshotMetadata,
    chunkBytes: Int
  ) throws {
    self.leaderStorage = leaderStorage
    self.followerStorage = followerStorage
    self.metadata = metadata
    // Room for 16 chunks in flight, as with the defaults.
    let inflightBytes = max(16 << 20, 16 * chunkBytes)
    leader = RaftEngine(
      configuration: try NodeConfiguration(
        id: 1, members: [1, 2], maxInflightBytes: inflightBytes, maxSnapshotChunkBytes: chunkBytes),
      restoring: PersistentState(hardState: HardState(term: 1), snapshot: metadata), seed: 1)
    follower = RaftEngine(
      configuration: try NodeConfiguration(
        id: 2, members: [1, 2], maxInflightBytes: inflightBytes, maxSnapshotChunkBytes: chunkBytes), seed: 2)
  }

  /// Elects the leader (not measured).
  mutating func electLeader() throws {
    leader.campaign()
    for _ in 0..<100 where leader.role != .leader {
      try exchange()
    }
    guard leader.role == .leader else { throw ValidationError("the leader was not elected") }
  }

  /// Runs until the follower installed the snapshot and asks for it to be restored.
  mutating func run() throws {
    var idleRounds = 0
    while !installed {
      let moved = try exchange()
      idleRounds = moved ? 0 : idleRounds + 1
      if idleRounds > 3 {
        leader.tick()
        follower.tick()
      }
      guard idleRounds < 1_000 else { throw ValidationError("the snapshot transfer stalled") }
    }
    guard follower.snapshot == metadata else { throw ValidationError("the follower installed another snapshot") }
  }

  /// One round: both engines hand out their work, then step what the other sent.
  /// - Returns: whether anything happened.
  @discardableResult
  private mutating func exchange() throws -> Bool {
    var moved = false
    moved = try drain(leaderSide: true) || moved
    moved = try drain(leaderSide: false) || moved
    for message in toFollower {
      if case .installSnapshot(let chunk) = message.body, !chunk.data.isEmpty { SnapshotBenchmarkClock.mark() }
      follower.step(message)
    }
    for message in toLeader { leader.step(message) }
    moved = moved || !toFollower.isEmpty || !toLeader.isEmpty
    toFollower.removeAll(keepingCapacity: true)
    toLeader.removeAll(keepingCapacity: true)
    return moved
  }

  private mutating func drain(leaderSide: Bool) throws -> Bool {
    var moved = false
    while true {
      let ready = leaderSide ? leader.ready() : follower.ready()
      if ready.isEmpty { return moved }
      moved = true
      if let request = ready.persistence {
        let storage = leaderSide ? leaderStorage : followerStorage
        // The file storage completes before persist returns.
        let failure = Mutex<(any Error)?>(nil)
        storage.persist(request) { result in
          if case .failure(let error) = result { failure.withLock { $0 = error } }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        if leaderSide {
          leader.acknowledgePersisted(through: request.id)
        } else {
          follower.acknowledgePersisted(through: request.id)
        }
      }
      if leaderSide {
        toFollower += ready.messages
        for chunk in ready.snapshotChunks {
          let data = try leaderStorage.readSnapshot(chunk.metadata, from: chunk.offset, maxCount: chunk.count)
          toFollower.append(chunk.message(data: data))
        }
      } else {
        toLeader += ready.messages
        if ready.snapshotToRestore == metadata { installed = true }
      }
    }
  }
}
