/// Writes a state machine's state as bytes for a snapshot: integers as 8 bytes little-endian,
/// byte strings as a length then the bytes. Write maps in sorted key order, so that replicas
/// with the same state write the same bytes.
public struct StateWriter: Sendable {
  /// Everything written so far.
  public private(set) var bytes: [UInt8] = []

  /// An empty writer.
  public init() {}

  /// Appends `value`.
  public mutating func write(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Appends `value` (two's complement).
  public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }

  /// Appends `data` with its length.
  public mutating func write(bytes data: [UInt8]) {
    write(UInt64(data.count))
    bytes.append(contentsOf: data)
  }
}

/// Reads what a ``StateWriter`` wrote.
public struct StateReader: Sendable {
  private let bytes: [UInt8]
  private var offset = 0

  /// A reader over a snapshot's bytes.
  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// Whether every byte was read.
  public var isAtEnd: Bool { offset == bytes.count }

  /// Reads an integer.
  /// - Throws: ``StateDecodingError`` if the bytes end first.
  public mutating func readUInt64() throws(StateDecodingError) -> UInt64 {
    guard bytes.count - offset >= 8 else { throw StateDecodingError("the state ends inside an integer at \(offset)") }
    var value: UInt64 = 0
    for index in (offset..<(offset + 8)).reversed() { value = value << 8 | UInt64(bytes[index]) }
    offset += 8
    return value
  }

  /// Reads a signed integer.
  public mutating func readInt64() throws(StateDecodingError) -> Int64 { Int64(bitPattern: try readUInt64()) }

  /// Reads a length-prefixed byte string.
  public mutating func readBytes() throws(StateDecodingError) -> [UInt8] {
    let count = try readUInt64()
    guard count <= UInt64(bytes.count - offset) else {
      throw StateDecodingError("a byte string of \(count) bytes runs past the end at \(offset)")
    }
    defer { offset += Int(count) }
    return Array(bytes[offset..<(offset + Int(count))])
  }

  /// Reads a count of items that each take at least `minimumItemBytes`, refusing counts the
  /// remaining bytes cannot hold (so a corrupt count cannot make a reader allocate without end).
  public mutating func readCount(minimumItemBytes: Int = 8) throws(StateDecodingError) -> Int {
    let count = try readUInt64()
    guard count <= UInt64((bytes.count - offset) / max(1, minimumItemBytes)) else {
      throw StateDecodingError("a count of \(count) items cannot fit in the rest of the state")
    }
    return Int(count)
  }

  /// Throws unless every byte was read.
  public func expectEnd() throws(StateDecodingError) {
    guard isAtEnd else { throw StateDecodingError("\(bytes.count - offset) bytes left over after the state") }
  }
}

/// A state machine's saved state could not be read.
public struct StateDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong.
  public var reason: String

  /// An error for `reason`.
  public init(_ reason: String) { self.reason = reason }

  public var description: String { "malformed state: \(reason)" }
}

/// A state machine whose state can be saved and restored as bytes: what its snapshots hold.
public protocol StateCodable {
  /// The state as bytes (the same bytes on every replica with the same state).
  func encodedState() -> [UInt8]
  /// Replaces the state with one ``encodedState()`` returned.
  /// - Throws: ``StateDecodingError`` for bytes that are not such a state; the state is then
  ///   unchanged.
  mutating func restoreState(from bytes: [UInt8]) throws(StateDecodingError)
}

extension SessionTable {
  /// Appends the table to `writer`.
  public func encode(into writer: inout StateWriter) {
    writer.write(lastSweepMilliseconds)
    writer.write(UInt64(sessions.count))
    for (client, last) in sessions.sorted(by: { $0.key < $1.key }) {
      writer.write(client)
      writer.write(last.sequence)
      writer.write(last.lastUsedMilliseconds)
      writer.write(bytes: last.response)
    }
  }

  /// Reads a table ``encode(into:)`` wrote.
  public init(from reader: inout StateReader) throws(StateDecodingError) {
    self.init()
    lastSweepMilliseconds = try reader.readUInt64()
    for _ in 0..<(try reader.readCount(minimumItemBytes: 32)) {
      let client = try reader.readUInt64()
      let sequence = try reader.readUInt64()
      let lastUsed = try reader.readUInt64()
      let response = try reader.readBytes()
      sessions[client] = Last(sequence: sequence, response: response, lastUsedMilliseconds: lastUsed)
    }
  }
}
