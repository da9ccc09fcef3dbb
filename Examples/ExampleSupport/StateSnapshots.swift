import Raft

extension StateCodable where Self: StateMachine {
  /// Writes ``encodedState()`` as the snapshot.
  public func writeSnapshot(to writer: inout some SnapshotWriter) throws {
    try writer.write(encodedState())
  }

  /// Reads the whole snapshot, then ``restoreState(from:)``.
  /// - Throws: the reader's error, or ``SnapshotError/malformed(_:)`` for bytes that are not
  ///   this machine's state.
  public mutating func restoreSnapshot(from reader: inout some SnapshotReader) throws {
    var bytes: [UInt8] = []
    while true {
      let chunk = try reader.read(maxCount: 64 << 10)
      if chunk.isEmpty { break }
      bytes += chunk
    }
    do {
      try restoreState(from: bytes)
    } catch {
      throw SnapshotError.malformed(error.reason)
    }
  }
}
