import Raft

/// The ``Raft/Storage`` snapshot methods, over ``SnapshotFileStore``.
extension FileStorage {
  /// Starts a snapshot of the state machine at `request`'s point, written to a temporary file
  /// as the state machine streams it; the sink's `finish()` syncs and renames it into place.
  ///
  /// - Throws: ``Raft/SnapshotError/alreadyWriting`` while another sink is open.
  public func beginSnapshot(_ request: SnapshotRequest) throws -> any StorageSnapshotSink {
    try takingSnapshot.withLock { taking in
      guard !taking else { throw SnapshotError.alreadyWriting }
      taking = true
    }
    do {
      let writer = try snapshots.beginWriting(
        lastIndex: request.index, lastTerm: request.term, metadata: Self.encode(members: request.members))
      return FileSnapshotSink(storage: self, writer: writer, members: request.members)
    } catch {
      takingSnapshot.withLock { $0 = false }
      throw error
    }
  }

  /// Reads up to `maxCount` bytes of the stored snapshot `metadata` from `offset`.
  ///
  /// - Throws: ``Raft/SnapshotError/notFound(_:)`` if the stored snapshot is another one now,
  ///   ``Raft/SnapshotError/outOfBounds(offset:size:)`` past its end.
  public func readSnapshot(_ metadata: SnapshotMetadata, from offset: UInt64, maxCount: Int) throws -> [UInt8] {
    guard let latest = snapshots.latest, Self.metadata(of: latest) == metadata else {
      throw SnapshotError.notFound(metadata)
    }
    guard offset <= metadata.size else { throw SnapshotError.outOfBounds(offset: offset, size: metadata.size) }
    return try snapshots.read(offset: offset, count: max(maxCount, 0))
  }

  /// A snapshot file's description in the engine's terms.
  static func metadata(of info: SnapshotFileInfo) -> SnapshotMetadata {
    SnapshotMetadata(
      lastIncludedIndex: info.lastIndex, lastIncludedTerm: info.lastTerm, members: decode(members: info.metadata),
      size: info.dataSize, checksum: info.checksum)
  }

  /// The members as the snapshot file's metadata bytes: a count, then each identifier.
  static func encode(members: [NodeID]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(UInt32(members.count))
    for member in members { bytes.appendLittleEndian(member.rawValue) }
    return bytes
  }

  static func decode(members bytes: [UInt8]) -> [NodeID] {
    guard bytes.count >= 4 else { return [] }
    let count = Int(bytes.readLittleEndian(UInt32.self, at: 0))
    guard bytes.count == 4 + 8 * count else { return [] }
    return (0..<count).map { NodeID(bytes.readLittleEndian(UInt64.self, at: 4 + 8 * $0)) }
  }

  /// Applies a received snapshot's chunks and install to the files, on the caller's thread
  /// (chunks go to a temporary file; the install syncs and renames it, then compacts or
  /// discards the log, before the request's entries are written).
  func applySnapshotWrites(_ writes: [SnapshotWrite], to side: inout LogSide) throws {
    for write in writes {
      switch write {
      case .chunk(let metadata, let offset, let data):
        if offset == 0 {
          try side.incoming?.writer.abort()
          let writer = try snapshots.beginWriting(
            lastIndex: metadata.lastIncludedIndex, lastTerm: metadata.lastIncludedTerm,
            metadata: Self.encode(members: metadata.members))
          side.incoming = (metadata, writer, 0)
        }
        guard let incoming = side.incoming, incoming.metadata == metadata, incoming.received == offset else {
          throw SnapshotError.malformed("a snapshot chunk at \(offset) does not continue what was received")
        }
        try incoming.writer.write(data, at: offset)
        side.incoming?.received += UInt64(data.count)
      case .install(let metadata, let retainsLog):
        guard let incoming = side.incoming, incoming.metadata == metadata, incoming.received == metadata.size else {
          throw SnapshotError.malformed("installing \(metadata), which was not completely received")
        }
        side.incoming = nil
        try incoming.writer.finish(expectedChecksum: metadata.checksum)
        if retainsLog {
          try compact(through: metadata.lastIncludedIndex.rawValue, side: &side)
        } else {
          try side.log.discardAll(nextIndex: metadata.lastIncludedIndex.rawValue + 1)
          try self.metadata.update { $0.logStart = metadata.lastIncludedIndex.rawValue + 1 }
        }
      }
    }
  }
}

/// The sink a state machine streams a snapshot into (see ``FileStorage/beginSnapshot(_:)``).
final class FileSnapshotSink: StorageSnapshotSink {
  private let storage: FileStorage
  private let writer: SnapshotFileWriter
  private let members: [NodeID]
  private var offset: UInt64 = 0
  private var open = true

  init(storage: FileStorage, writer: SnapshotFileWriter, members: [NodeID]) {
    self.storage = storage
    self.writer = writer
    self.members = members
  }

  func write(_ bytes: [UInt8]) throws {
    guard open else { throw SnapshotError.malformed("write after the snapshot was finished") }
    try writer.write(bytes, at: offset)
    offset += UInt64(bytes.count)
  }

  func finish() throws -> SnapshotMetadata {
    guard open else { throw SnapshotError.malformed("the snapshot was already finished") }
    open = false
    defer { storage.takingSnapshot.withLock { $0 = false } }
    return FileStorage.metadata(of: try writer.finish())
  }

  func abandon() {
    guard open else { return }
    open = false
    try? writer.abort()
    storage.takingSnapshot.withLock { $0 = false }
  }
}
