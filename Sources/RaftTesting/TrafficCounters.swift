import Raft

/// How much the nodes sent, counted when an engine emits a message, whatever the network then
/// does with it (so lost and blocked messages count; duplicates made by the network do not),
/// and what the network did with them.
///
/// Bytes are an estimate of an encoding: ``messageOverheadBytes`` per message (addresses, term,
/// kind and the fixed fields of its body) plus, per log entry carried, ``entryOverheadBytes``
/// (index, term, kind, length) and the payload's size.
public struct TrafficCounters: Hashable, Sendable {
  /// The fixed cost of a message in the byte estimate.
  public static let messageOverheadBytes = 32
  /// The fixed cost of each log entry a message carries, beyond its payload.
  public static let entryOverheadBytes = 24

  /// Messages sent.
  public private(set) var messages = 0
  /// Estimated bytes sent.
  public private(set) var bytes = 0
  /// Messages the network lost at random (``NetworkConditions/dropProbability``).
  public internal(set) var dropped = 0
  /// Messages lost to a partition or a disconnected node, when sent or on arrival.
  public internal(set) var blocked = 0
  /// Messages the network delivered twice.
  public internal(set) var duplicated = 0
  private var messagesByKind: [String: Int] = [:]

  /// Counters at zero.
  public init() {}

  /// Messages sent of one kind, named by ``Raft/MessageBody/kindName`` ("App", "Vote", ...).
  public func messages(ofKind kind: String) -> Int { messagesByKind[kind, default: 0] }

  /// Every kind sent, with its count, sorted by name.
  public var messagesPerKind: [(kind: String, count: Int)] {
    messagesByKind.keys.sorted().map { ($0, messagesByKind[$0]!) }
  }

  /// The estimated encoded size of `message`.
  public static func estimatedBytes(of message: Message) -> Int {
    switch message.body {
    case .appendEntries(let append):
      return append.entries.reduce(messageOverheadBytes) { $0 + entryOverheadBytes + $1.payload.count }
    case .installSnapshot(let chunk):
      return messageOverheadBytes + chunk.data.count
    default:
      return messageOverheadBytes
    }
  }

  mutating func count(_ message: Message) {
    messages += 1
    bytes += Self.estimatedBytes(of: message)
    messagesByKind[message.body.kindName, default: 0] += 1
  }
}
