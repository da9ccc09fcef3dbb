/// The names and version of the on-disk layout (see the module's "On-disk layout" article).
enum StorageFormat {
  /// The layout this release writes and reads. A later release that changes the layout raises
  /// it, and either migrates version 1 directories or refuses them by name.
  static let version = 1
  static let fileName = "FORMAT"
  static let lockFileName = "LOCK"
  static let metadataFileName = "metadata"
  static let logDirectoryName = "log"
  static let snapshotDirectoryName = "snapshots"
  static let segmentSuffix = ".segment"

  /// The format file's whole contents.
  static var formatFileContents: [UInt8] { Array("swiftraft-file-storage \(version)\n".utf8) }

  /// A segment's file name: its first index, zero-padded so names sort in log order.
  static func segmentName(firstIndex: UInt64) -> String {
    let digits = String(firstIndex)
    return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + segmentSuffix
  }

  /// The first index a segment name encodes, or nil for a file that is not a segment.
  static func firstIndex(ofSegmentNamed name: String) -> UInt64? {
    guard name.hasSuffix(segmentSuffix) else { return nil }
    let digits = name.dropLast(segmentSuffix.count)
    guard digits.count == 20, digits.allSatisfy(\.isASCII) else { return nil }
    return UInt64(digits)
  }
}
