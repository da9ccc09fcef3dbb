/// The identity of one member of a Raft cluster.
///
/// Identifier `0` is reserved (wire formats use it to mean "no node"), so
/// ``NodeConfiguration`` rejects it.
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { String(rawValue) }
}

/// A Raft term: a logical clock that increases with every election.
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  /// Term 0 belongs to the sentinel entry at index 0; no leader is ever elected in it.
  public static let zero = Term(0)
  public var next: Term { Term(rawValue + 1) }

  public static func < (lhs: Term, rhs: Term) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { String(rawValue) }
}

/// A position in the replicated log. Index 0 is a sentinel; the first real entry is at 1.
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible, Strideable
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  public static let zero = LogIndex(0)

  public static func < (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue < rhs.rawValue }
  /// Compares raw values: Strideable's default `==` goes through `distance(to:)`, which traps
  /// for indexes above `Int.max`.
  public static func == (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue == rhs.rawValue }
  public var description: String { String(rawValue) }

  public func distance(to other: LogIndex) -> Int { Int(other.rawValue) - Int(rawValue) }
  public func advanced(by n: Int) -> LogIndex { LogIndex(UInt64(Int(rawValue) + n)) }

  public static func + (lhs: LogIndex, rhs: UInt64) -> LogIndex { LogIndex(lhs.rawValue + rhs) }
  public static func - (lhs: LogIndex, rhs: UInt64) -> LogIndex { LogIndex(lhs.rawValue - rhs) }
}
