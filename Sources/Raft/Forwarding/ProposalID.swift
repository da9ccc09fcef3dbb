/// The caller's name for one proposal made with ``RaftEngine/propose(_:id:)``, so that the outcome
/// of a forwarded proposal (``Ready/proposalOutcomes``) finds its way back. The caller keeps it
/// unique among its proposals in flight.
public struct ProposalID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
  CustomStringConvertible
{
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(_ rawValue: UInt64) { self.rawValue = rawValue }
  public init(integerLiteral value: UInt64) { self.rawValue = value }

  public static func < (lhs: ProposalID, rhs: ProposalID) -> Bool { lhs.rawValue < rhs.rawValue }
  public var description: String { "p\(rawValue)" }
}
