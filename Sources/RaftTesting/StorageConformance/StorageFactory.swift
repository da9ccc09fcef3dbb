import Raft
import Synchronization

/// How the storage conformance suite makes, restarts and releases the ``Raft/Storage`` under test.
///
/// Each check gets a fresh place (a path to a directory that does not exist yet, inside a
/// temporary directory the suite removes afterwards). Opening a place for the first time must give
/// an empty storage; opening it again models a restart after a crash: the storage must then hold
/// exactly what it had made durable, at least every request whose completion ran.
public struct StorageFactory: Sendable, CustomStringConvertible {
  /// The name the tests show.
  public var name: String
  /// Opens the storage kept at `place`.
  public var open: @Sendable (_ place: String) throws -> any Storage
  /// Releases a storage (closes its files, drops its lock) before its place is opened again.
  public var close: @Sendable (_ storage: any Storage) -> Void
  /// Removes the log's prefix through an index, if the implementation supports compaction;
  /// returns the first index it still holds. Checks that need it are left out when nil.
  public var compact: (@Sendable (_ storage: any Storage, _ through: LogIndex) throws -> LogIndex)?
  /// Whether the storage implements the snapshot methods; checks that need them are left out
  /// when false.
  public var supportsSnapshots: Bool

  /// A factory named `name` (the tests show it) that opens storages with `open`, releases them
  /// with `close`, and compacts them with `compact` if given.
  public init(
    name: String, open: @escaping @Sendable (_ place: String) throws -> any Storage,
    close: @escaping @Sendable (_ storage: any Storage) -> Void = { _ in },
    compact: (@Sendable (_ storage: any Storage, _ through: LogIndex) throws -> LogIndex)? = nil,
    supportsSnapshots: Bool = true
  ) {
    self.supportsSnapshots = supportsSnapshots
    self.name = name
    self.open = open
    self.close = close
    self.compact = compact
  }

  /// The factory's name.
  public var description: String { name }

  /// ``Raft/MemoryStorage`` in immediate mode; reopening a place crashes the storage (dropping
  /// nothing, since every write is durable at once) and returns it.
  public static var memory: StorageFactory {
    let stores = Mutex<[String: MemoryStorage]>([:])
    return StorageFactory(name: "MemoryStorage") { place in
      stores.withLock { stores in
        if let existing = stores[place] {
          existing.crash()
          return existing
        }
        let storage = MemoryStorage(mode: .immediate)
        stores[place] = storage
        return storage
      }
    }
  }
}
