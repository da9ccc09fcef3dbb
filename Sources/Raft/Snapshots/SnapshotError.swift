/// Why a snapshot could not be written, read or restored.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The state machine or storage does not implement snapshots.
  case unsupported(String)
  /// The storage does not hold this snapshot (any more): a newer one replaced it.
  case notFound(SnapshotMetadata)
  /// A read asked for bytes outside the snapshot.
  case outOfBounds(offset: UInt64, size: UInt64)
  /// The bytes do not match the checksum recorded in the metadata.
  case checksumMismatch(expected: UInt32, actual: UInt32)
  /// The content ended early or holds bytes the state machine cannot decode.
  case malformed(String)
  /// A snapshot was already being written; finish or abandon it first.
  case alreadyWriting

  public var description: String {
    switch self {
    case .unsupported(let what): "snapshots are not supported by \(what)"
    case .notFound(let metadata): "the storage no longer holds \(metadata)"
    case .outOfBounds(let offset, let size): "offset \(offset) lies outside a snapshot of \(size) bytes"
    case .checksumMismatch(let expected, let actual):
      "snapshot checksum mismatch: expected \(String(expected, radix: 16)), got \(String(actual, radix: 16))"
    case .malformed(let reason): "malformed snapshot: \(reason)"
    case .alreadyWriting: "a snapshot is already being written"
    }
  }
}
