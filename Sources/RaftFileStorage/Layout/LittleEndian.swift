/// Fixed-width little-endian integers in byte arrays: every number on disk is stored this way,
/// so files move between machines of either byte order.
extension Array where Element == UInt8 {
  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  func readLittleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
    withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }
}
