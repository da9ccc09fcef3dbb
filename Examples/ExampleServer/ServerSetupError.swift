/// Why a server cannot start: one line for the operator, and a non-zero exit.
public struct ServerSetupError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The reason, one line.
  public var message: String

  /// An error with a one-line `message`.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
