/// The role a node plays in its current term.
public enum Role: String, Hashable, Sendable, CustomStringConvertible {
  case follower
  /// Collecting pre-votes: asking whether peers would vote, without raising the term.
  case preCandidate
  case candidate
  case leader

  public var description: String { rawValue }
}
