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

  /// This node's id; nil starts the embedded cluster.
  @Option(help: "This node's id (omit every flag to run the embedded 3-node cluster).")
  public var id: UInt64?

  /// `host:port` for Raft peer connections.
  @Option(help: ArgumentHelp("Where this node accepts Raft peer connections.", valueName: "host:port"))
  public var listen: String?

  /// `host:port` for clients; in the embedded cluster, node 1's (the others take the next ports).
  @Option(help: ArgumentHelp("Where this node serves clients (RESP2).", valueName: "host:port"))
  public var client: String?

  /// The other members as `id=host:port`.
  @Option(help: ArgumentHelp("Another member, repeatable.", valueName: "id=host:port"))
  public var peer: [String] = []

  /// nil: file with `--data-dir`, memory without.
  @Option(help: "file (the default when --data-dir is given) or memory.")
  public var storage: StorageKind?

  /// The directory for file storage.
  @Option(
    name: .customLong("data-dir"), help: ArgumentHelp("Where file storage lives; created if missing.", valueName: "dir")
  )
  public var dataDirectory: String?

  /// The transport between nodes.
  @Option(help: "tcp (libuv, the default) or memory (embedded cluster only).")
  public var transport: TransportKind = .tcp

  /// The leader's log backtracking strategy.
  @Option(help: "decrement or conflict-hint (the default).")
  public var backtracking: BacktrackingKind = .conflictHint

  /// Applied entries between snapshots; 0 never snapshots.
  @Option(
    name: .customLong("snapshot-every"),
    help: ArgumentHelp(
      "Take a snapshot every N applied entries and compact the log behind it, keeping up to 256 entries (N/4 when smaller) for slow followers; 0: never.",
      valueName: "n"))
  public var snapshotEvery: Int = 4096

  /// The defaults: no flags, the embedded cluster.
  public init() {}
}
