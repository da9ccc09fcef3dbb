import ArgumentParser

/// The command line every example shares (see the README). Run with no flags for the embedded
/// three-node cluster.
public struct ServerOptions: ParsableArguments, Sendable {
  /// Where state lives.
  public enum StorageKind: String, ExpressibleByArgument, Sendable, CaseIterable {
    case file, memory
  }

  /// How nodes reach each other.
  public enum TransportKind: String, ExpressibleByArgument, Sendable, CaseIterable {
    case tcp, memory
  }

  /// How a leader finds where a follower's log diverges.
  public enum BacktrackingKind: String, ExpressibleByArgument, Sendable, CaseIterable {
    case decrement
    case conflictHint = "conflict-hint"
  }

  @Option(help: "This node's id (omit every flag to run the embedded 3-node cluster).")
  public var id: UInt64?

  @Option(help: ArgumentHelp("Where this node accepts Raft peer connections.", valueName: "host:port"))
  public var listen: String?

  @Option(help: ArgumentHelp("Where this node serves clients (RESP2).", valueName: "host:port"))
  public var client: String?

  @Option(help: ArgumentHelp("Another member, repeatable.", valueName: "id=host:port"))
  public var peer: [String] = []

  @Option(help: "file (the default when --data-dir is given) or memory.")
  public var storage: StorageKind?

  @Option(
    name: .customLong("data-dir"), help: ArgumentHelp("Where file storage lives; created if missing.", valueName: "dir")
  )
  public var dataDirectory: String?

  @Option(help: "tcp (libuv, the default) or memory (embedded cluster only).")
  public var transport: TransportKind = .tcp

  @Option(help: "decrement or conflict-hint (the default).")
  public var backtracking: BacktrackingKind = .conflictHint

  public init() {}
}
