/// The caller's name for one linearizable read (see ``RaftEngine/requestRead(_:)``). The engine
/// only hands it back, in ``Ready/readsReady`` or ``Ready/failedReads``; the caller keeps it
/// unique among its reads in flight.
public struct ReadRequestID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  public static func < (lhs: ReadRequestID, rhs: ReadRequestID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { "r\(rawValue)" }
}

/// A read the caller may now run against its state machine: a leader confirmed, after the read
/// was requested, that `index` was its commit index, and this node has applied through it.
public struct ReadyRead: Hashable, Sendable, CustomStringConvertible {
  /// The read, as requested.
  public var id: ReadRequestID
  /// The read index: every write that completed before the read was requested is at or below it.
  public var index: LogIndex

  public init(id: ReadRequestID, index: LogIndex) {
    self.id = id
    self.index = index
  }

  public var description: String { "\(id)@\(index)" }
}

/// A read the engine gave up on; it was never served, so retrying it is safe.
public struct FailedRead: Hashable, Sendable, CustomStringConvertible {
  /// The read, as requested.
  public var id: ReadRequestID
  /// Why it was not served.
  public var error: ReadError

  public init(id: ReadRequestID, error: ReadError) {
    self.id = id
    self.error = error
  }

  public var description: String { "\(id): \(error)" }
}
