import Raft

/// Describes one complete snapshot file.
public struct SnapshotFileInfo: Hashable, Sendable {
  /// The last log index the snapshot covers.
  public var lastIndex: LogIndex
  /// The term of the entry at ``lastIndex``.
  public var lastTerm: Term
  /// Bytes stored beside the data for the caller (for example the cluster configuration).
  public var metadata: [UInt8]
  /// The size of the snapshot's data in bytes.
  public var dataSize: UInt64
  /// The CRC-32C of the data.
  public var checksum: UInt32

  /// A description with the given fields (the store makes these; tests compare against them).
  public init(lastIndex: LogIndex, lastTerm: Term, metadata: [UInt8], dataSize: UInt64, checksum: UInt32) {
    self.lastIndex = lastIndex
    self.lastTerm = lastTerm
    self.metadata = metadata
    self.dataSize = dataSize
    self.checksum = checksum
  }
}

/// A snapshot file: the data, then the caller's metadata bytes, then a 44-byte footer:
///
/// ```
/// magic "SRSN" u32, format version u32, last index u64, last term u64, data size u64,
/// metadata size u32, data crc u32, footer crc u32 (of the metadata bytes and the footer
/// fields before it)
/// ```
///
/// The footer goes last because the data arrives in chunks at arbitrary offsets (an
/// InstallSnapshot transfer) and its size and checksum are known only at the end.
enum SnapshotFileFormat {
  static let footerSize = 44
  static let magic: UInt32 = 0x5352_534E  // "SRSN"
  static let suffix = ".snapshot"
  static let partialSuffix = ".snapshot.partial"

  static func name(lastIndex: LogIndex, lastTerm: Term) -> String {
    func padded(_ value: UInt64) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
    return padded(lastIndex.rawValue) + "-" + padded(lastTerm.rawValue)
  }

  /// The metadata and footer that end the file.
  static func trailer(for info: SnapshotFileInfo) -> [UInt8] {
    var bytes = info.metadata
    bytes.appendLittleEndian(magic)
    bytes.appendLittleEndian(UInt32(StorageFormat.version))
    bytes.appendLittleEndian(info.lastIndex.rawValue)
    bytes.appendLittleEndian(info.lastTerm.rawValue)
    bytes.appendLittleEndian(info.dataSize)
    bytes.appendLittleEndian(UInt32(info.metadata.count))
    bytes.appendLittleEndian(info.checksum)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// Reads and checks the footer and metadata of the file at `path` (not the data's checksum).
  static func readInfo(_ file: SharedFile) throws -> SnapshotFileInfo {
    let size = try FileSystem.size(file.descriptor, path: file.path)
    guard size >= Int64(footerSize) else {
      throw FileStorageError.corruptSnapshot(file: file.path, reason: "\(size) bytes is too short for a snapshot")
    }
    let footer = try FileSystem.read(
      file.descriptor, at: size - Int64(footerSize), count: footerSize, path: file.path)
    guard footer.readLittleEndian(UInt32.self, at: 0) == magic else {
      throw FileStorageError.corruptSnapshot(file: file.path, reason: "no snapshot footer at offset \(size - 44)")
    }
    guard footer.readLittleEndian(UInt32.self, at: 4) == UInt32(StorageFormat.version) else {
      throw FileStorageError.corruptSnapshot(
        file: file.path, reason: "unsupported snapshot version \(footer.readLittleEndian(UInt32.self, at: 4))")
    }
    let dataSize = footer.readLittleEndian(UInt64.self, at: 24)
    let metadataSize = Int64(footer.readLittleEndian(UInt32.self, at: 32))
    guard Int64(dataSize) + metadataSize + Int64(footerSize) == size else {
      throw FileStorageError.corruptSnapshot(
        file: file.path, reason: "sizes in the footer do not add up to the file's \(size) bytes")
    }
    let metadata = try FileSystem.read(
      file.descriptor, at: Int64(dataSize), count: Int(metadataSize), path: file.path)
    var crc = CRC32C()
    crc.update(metadata)
    crc.update(footer[0..<40])
    guard crc.value == footer.readLittleEndian(UInt32.self, at: 40) else {
      throw FileStorageError.corruptSnapshot(
        file: file.path, reason: "footer checksum mismatch at offset \(Int64(dataSize))")
    }
    return SnapshotFileInfo(
      lastIndex: LogIndex(footer.readLittleEndian(UInt64.self, at: 8)),
      lastTerm: Term(footer.readLittleEndian(UInt64.self, at: 16)), metadata: metadata, dataSize: dataSize,
      checksum: footer.readLittleEndian(UInt32.self, at: 36))
  }

  /// The CRC-32C of the first `size` bytes, read in blocks.
  static func checksum(of file: SharedFile, size: UInt64) throws -> UInt32 {
    var crc = CRC32C()
    var offset: UInt64 = 0
    let block = 1 << 20
    while offset < size {
      let count = Int(min(UInt64(block), size - offset))
      let bytes = try FileSystem.read(file.descriptor, at: Int64(offset), count: count, path: file.path)
      guard bytes.count == count else {
        throw FileStorageError.corruptSnapshot(file: file.path, reason: "data ends early at offset \(offset)")
      }
      crc.update(bytes)
      offset += UInt64(count)
    }
    return crc.value
  }
}
