import RESP

/// One client command as it travels in the replicated log.
///
/// The server fills in everything a state machine may not compute itself: the leader's clock
/// (`timestampMilliseconds`, the only way time enters a state machine, so expiry is the same on
/// every replica) and the client session (`clientID`, `sequence`), so that a write the server
/// retries after a leader change is applied once.
///
/// Wire form: `timestamp`, `clientID`, `sequence` as 8 bytes little-endian each, then the
/// command as a RESP array of bulk strings.
public struct ServiceEntry: Hashable, Sendable {
  /// The leader's wall clock when it proposed the entry, in milliseconds since 1970.
  public var timestampMilliseconds: UInt64
  /// The client session; 0 for requests that need no deduplication (reads).
  public var clientID: UInt64
  /// The session's request number, increasing from 1; 0 for reads.
  public var sequence: UInt64
  /// The command and its arguments, as the client sent them.
  public var arguments: [[UInt8]]

  /// An entry; the server stamps the time when it proposes.
  public init(timestampMilliseconds: UInt64 = 0, clientID: UInt64 = 0, sequence: UInt64 = 0, arguments: [[UInt8]]) {
    self.timestampMilliseconds = timestampMilliseconds
    self.clientID = clientID
    self.sequence = sequence
    self.arguments = arguments
  }

  /// A command from text arguments (for tests and tools).
  public init(timestampMilliseconds: UInt64 = 0, clientID: UInt64 = 0, sequence: UInt64 = 0, _ arguments: String...) {
    self.init(
      timestampMilliseconds: timestampMilliseconds, clientID: clientID, sequence: sequence,
      arguments: arguments.map { Array($0.utf8) })
  }

  /// The command's name in upper case.
  public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? "" }

  /// The entry's bytes.
  public var encoded: [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(24 + arguments.reduce(16) { $0 + $1.count + 16 })
    for value in [timestampMilliseconds, clientID, sequence] {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    RESPValue.array(arguments.map { .bulkString($0) }).encode(into: &bytes)
    return bytes
  }

  /// Reads an entry; nil if `bytes` is not one (a state machine answers such an entry with an
  /// error reply rather than trapping).
  public init?(decoding bytes: [UInt8]) {
    guard bytes.count > 24 else { return nil }
    func word(_ at: Int) -> UInt64 {
      var value: UInt64 = 0
      for offset in (0..<8).reversed() { value = value << 8 | UInt64(bytes[at + offset]) }
      return value
    }
    var decoder = RESPRequestDecoder(limits: RESPLimits(maximumBulkLength: Int(Int32.max)))
    decoder.append(bytes[24...])
    guard case .command(let arguments)? = try? decoder.next() else { return nil }
    self.init(timestampMilliseconds: word(0), clientID: word(8), sequence: word(16), arguments: arguments)
  }
}
