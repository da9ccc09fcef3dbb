import Raft
import Synchronization

/// What the metadata file records: the hard state and where the log starts.
struct StoredMetadata: Hashable, Sendable {
  var hardState = HardState()
  /// The first index the log keeps; entries before it were compacted away.
  var logStart: UInt64 = 1
}

/// The metadata file: two fixed slots, written alternately, each a complete checksummed record
/// with a sequence number; the valid slot with the higher sequence number wins.
///
/// A crash in the middle of a write can tear only the slot being written, and the other one
/// still holds the previous state, so an update is atomic without a rename and a directory
/// fsync (one fdatasync per update instead of two fsyncs). Slots sit 512 bytes apart so no
/// sector holds parts of both.
final class MetadataFile: Sendable {
  static let slotSize = 512
  private static let magic: UInt32 = 0x5352_4D44  // "SRMD"
  private static let recordSize = 52

  private struct State: Sendable {
    var current: StoredMetadata
    var sequence: UInt64
  }

  private let file: SharedFile
  private let state: Mutex<State>

  var current: StoredMetadata { state.withLock { $0.current } }

  /// Opens (creating if missing) and reads the file. Throws ``FileStorageError/corruptMetadata(file:)``
  /// if the file has contents but no valid slot.
  init(path: String) throws {
    let existed = FileSystem.exists(path)
    let fd = try FileSystem.open(path, create: true)
    file = SharedFile(descriptor: fd, path: path)
    let bytes = try FileSystem.readAll(fd, path: path)
    let slots = [0, 1].compactMap { slot in Self.decode(bytes, slot: slot) }
    if let best = slots.max(by: { $0.sequence < $1.sequence }) {
      state = Mutex(State(current: best.metadata, sequence: best.sequence))
    } else if !existed || bytes.allSatisfy({ $0 == 0 }) {
      // A new file, or one whose first write never reached the disk.
      state = Mutex(State(current: StoredMetadata(), sequence: 0))
    } else {
      throw FileStorageError.corruptMetadata(file: path)
    }
  }

  /// Durably replaces the stored metadata with `change` applied to it.
  func update(_ change: (inout StoredMetadata) -> Void) throws {
    try state.withLock { state in
      var next = state.current
      change(&next)
      guard next != state.current else { return }
      let sequence = state.sequence + 1
      let record = Self.encode(next, sequence: sequence)
      try FileSystem.write(file.descriptor, record, at: Int64(Int(sequence % 2) * Self.slotSize), path: file.path)
      try FileSystem.dataSync(file.descriptor, path: file.path)
      state = State(current: next, sequence: sequence)
    }
  }

  private static func encode(_ metadata: StoredMetadata, sequence: UInt64) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(recordSize)
    bytes.appendLittleEndian(magic)
    bytes.appendLittleEndian(UInt32(StorageFormat.version))
    bytes.appendLittleEndian(sequence)
    bytes.appendLittleEndian(metadata.hardState.term.rawValue)
    bytes.appendLittleEndian(metadata.hardState.votedFor?.rawValue ?? 0)
    bytes.appendLittleEndian(metadata.hardState.commitIndex.rawValue)
    bytes.appendLittleEndian(metadata.logStart)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  private static func decode(_ bytes: [UInt8], slot: Int) -> (metadata: StoredMetadata, sequence: UInt64)? {
    let start = slot * slotSize
    guard bytes.count >= start + recordSize else { return nil }
    let record = Array(bytes[start..<start + recordSize])
    guard record.readLittleEndian(UInt32.self, at: 0) == magic,
      record.readLittleEndian(UInt32.self, at: 48) == CRC32C.checksum(record[0..<48])
    else { return nil }
    let vote = record.readLittleEndian(UInt64.self, at: 24)
    let hardState = HardState(
      term: Term(record.readLittleEndian(UInt64.self, at: 16)), votedFor: vote == 0 ? nil : NodeID(vote),
      commitIndex: LogIndex(record.readLittleEndian(UInt64.self, at: 32)))
    return (
      StoredMetadata(hardState: hardState, logStart: record.readLittleEndian(UInt64.self, at: 40)),
      record.readLittleEndian(UInt64.self, at: 8)
    )
  }
}
