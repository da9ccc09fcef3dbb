/// Where a state machine writes a snapshot: a stream of chunks, so that neither the state
/// machine nor the storage ever holds a whole snapshot as one buffer.
///
/// Chunks may have any size; their concatenation is the snapshot. A write that throws ends the
/// snapshot: the caller abandons it and the previous snapshot stays in force.
public protocol SnapshotWriter {
  /// Appends `bytes` to the snapshot.
  mutating func write(_ bytes: [UInt8]) throws
}

/// Where a state machine restores a snapshot from: the chunks in order.
public protocol SnapshotReader {
  /// The next bytes of the snapshot, at most `maxCount` (and at least one unless the snapshot
  /// ended); an empty array at the end.
  /// - Throws: ``SnapshotError`` if the content cannot be read or fails its checksum (checked
  ///   when the end is reached, before the empty array is returned).
  mutating func read(maxCount: Int) throws -> [UInt8]
}

/// A ``SnapshotWriter`` that stores the chunks in memory, for tests and for small states.
public struct InMemorySnapshotWriter: SnapshotWriter, Sendable {
  /// Everything written so far.
  public private(set) var bytes: [UInt8] = []

  /// An empty snapshot.
  public init() {}

  public mutating func write(_ bytes: [UInt8]) throws { self.bytes += bytes }
}

/// A ``SnapshotReader`` over bytes in memory, for tests and for small states.
public struct InMemorySnapshotReader: SnapshotReader, Sendable {
  private let bytes: [UInt8]
  private var offset = 0

  /// A reader of `bytes`.
  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public mutating func read(maxCount: Int) throws -> [UInt8] {
    let end = min(bytes.count, offset + max(maxCount, 1))
    defer { offset = end }
    return Array(bytes[offset..<end])
  }
}

/// Encodes values into a ``SnapshotWriter`` through a bounded buffer, so a state machine can
/// stream its state out a value at a time.
///
/// Integers are little-endian fixed width; byte strings are a length then the bytes. Call
/// ``finish()`` at the end, or the last buffered bytes are never written.
public struct SnapshotEncoder<Writer: SnapshotWriter> {
  /// The writer the encoder flushes to; read it back after ``finish()``.
  public var writer: Writer { storedWriter }
  // Inlinable, so that a state machine in another module gets the encoder specialized for
  // its writer: unspecialized, every value went through witness tables.
  @usableFromInline var storedWriter: Writer
  @usableFromInline var buffer: [UInt8] = []
  @usableFromInline let bufferBytes: Int

  /// - Parameter bufferBytes: how much to collect before writing a chunk.
  @inlinable public init(writer: Writer, bufferBytes: Int = 64 << 10) {
    self.storedWriter = writer
    self.bufferBytes = max(bufferBytes, 16)
    buffer.reserveCapacity(self.bufferBytes)
  }

  /// Appends `value` as 8 little-endian bytes.
  @inlinable public mutating func encode(_ value: UInt64) throws {
    for shift in stride(from: 0 as UInt64, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> shift)) }
    if buffer.count >= bufferBytes { try flush() }
  }

  /// Appends `bytes` prefixed by their length.
  @inlinable public mutating func encode(bytes: some Collection<UInt8>) throws {
    try encode(UInt64(bytes.count))
    buffer.append(contentsOf: bytes)
    if buffer.count >= bufferBytes { try flush() }
  }

  /// Writes whatever is buffered.
  @inlinable public mutating func finish() throws { try flush() }

  @inlinable mutating func flush() throws {
    guard !buffer.isEmpty else { return }
    try storedWriter.write(buffer)
    buffer.removeAll(keepingCapacity: true)
  }
}

/// Decodes what a ``SnapshotEncoder`` wrote, pulling chunks from a ``SnapshotReader`` only as
/// they are needed.
public struct SnapshotDecoder<Reader: SnapshotReader> {
  // Inlinable for the same reason as ``SnapshotEncoder``.
  @usableFromInline var reader: Reader
  @usableFromInline var buffer: [UInt8] = []
  @usableFromInline var position = 0
  @usableFromInline var ended = false
  @usableFromInline let chunkBytes: Int

  /// - Parameter chunkBytes: how much to ask the reader for at a time.
  @inlinable public init(reader: Reader, chunkBytes: Int = 64 << 10) {
    self.reader = reader
    self.chunkBytes = max(chunkBytes, 16)
  }

  /// Whether every byte was consumed (this reads ahead, and so verifies the checksum at the end).
  @inlinable public mutating func isAtEnd() throws -> Bool {
    try fill(atLeast: 1)
    return position == buffer.count
  }

  /// Reads 8 little-endian bytes.
  /// - Throws: ``SnapshotError/malformed(_:)`` if the snapshot ends first.
  @inlinable public mutating func decodeUInt64() throws -> UInt64 {
    try fill(atLeast: 8)
    guard buffer.count - position >= 8 else { throw SnapshotError.malformed("ended inside an integer") }
    var value: UInt64 = 0
    for shift in 0..<8 { value |= UInt64(buffer[position + shift]) << (8 * UInt64(shift)) }
    position += 8
    return value
  }

  /// Reads a length-prefixed byte string of at most `maxCount` bytes.
  /// - Throws: ``SnapshotError/malformed(_:)`` if the snapshot ends first or the length is too large.
  @inlinable public mutating func decodeBytes(maxCount: Int = Int(Int32.max)) throws -> [UInt8] {
    let length = try decodeUInt64()
    guard length <= UInt64(maxCount) else { throw SnapshotError.malformed("a byte string of \(length) bytes") }
    let count = Int(length)
    try fill(atLeast: count)
    guard buffer.count - position >= count else { throw SnapshotError.malformed("ended inside a byte string") }
    defer { position += count }
    return Array(buffer[position..<(position + count)])
  }

  @inlinable mutating func fill(atLeast count: Int) throws {
    guard buffer.count - position < count, !ended else { return }
    buffer.removeSubrange(0..<position)
    position = 0
    while buffer.count < count, !ended {
      let chunk = try reader.read(maxCount: max(chunkBytes, count - buffer.count))
      if chunk.isEmpty { ended = true } else { buffer += chunk }
    }
  }
}
