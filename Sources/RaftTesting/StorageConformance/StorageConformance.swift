import Raft
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One set of checks every ``Raft/Storage`` implementation must pass: ordering, replacement of
/// conflicting entries, hard state handling, completion order and durability, reopening,
/// snapshots (taken, received, compacting the log) and compaction where supported.
///
/// Run it from Swift Testing over your own storage:
///
/// ```swift
/// @Test(arguments: StorageConformance.cases(for: [.memory, myFactory]))
/// func conformance(_ testCase: StorageConformance.Case) throws { try testCase.run() }
/// ```
public enum StorageConformance {
  /// One check.
  public struct Check: Sendable, CustomStringConvertible {
    /// What the check asserts.
    public let name: String
    /// Whether it needs ``StorageFactory/compact``.
    public let needsCompaction: Bool
    /// Whether it needs the snapshot methods (``StorageFactory/supportsSnapshots``).
    public let needsSnapshots: Bool
    let body: @Sendable (StorageHarness) throws -> Void

    /// The check's name.
    public var description: String { name }
  }

  /// One check over one factory.
  public struct Case: Sendable, CustomStringConvertible {
    /// The storage under test.
    public let factory: StorageFactory
    /// What is checked.
    public let check: Check
    /// "factory: check", as the test runner shows the case.
    public var description: String { "\(factory.name): \(check.name)" }

    /// Runs the check in a fresh temporary place.
    /// - Throws: ``StorageConformanceFailure`` when the storage breaks the contract, or whatever
    ///   the storage threw.
    public func run() throws { try StorageConformance.run(check, factory: factory) }
  }

  /// Every check, in the order they build on each other.
  public static let checks: [Check] = StorageConformanceChecks.all

  /// The checks that apply to each factory, crossed with it.
  public static func cases(for factories: [StorageFactory]) -> [Case] {
    factories.flatMap { factory in
      checks.filter { check in
        (!check.needsCompaction || factory.compact != nil) && (!check.needsSnapshots || factory.supportsSnapshots)
      }.map { Case(factory: factory, check: $0) }
    }
  }

  /// Runs one check against storages from `factory`, in a temporary directory removed afterwards.
  public static func run(_ check: Check, factory: StorageFactory) throws {
    var template = Array("/tmp/raft-storage-conformance-XXXXXX".utf8CString)
    guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw StorageConformanceFailure(check: check.name, message: "mkdtemp failed: errno \(errno)")
    }
    let root = String(cString: created)
    let harness = StorageHarness(factory: factory, place: root + "/storage", checkName: check.name)
    defer {
      harness.closeAll()
      removeRecursively(root)
    }
    try check.body(harness)
  }

  /// Runs every applicable check; stops at the first failure.
  public static func runAll(factory: StorageFactory) throws {
    for testCase in cases(for: [factory]) { try testCase.run() }
  }

  static func removeRecursively(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      if let directory = opendir(path) {
        var names: [String] = []
        while let entry = readdir(directory) {
          let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
          }
          if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { removeRecursively(path + "/" + name) }
      }
      rmdir(path)
    } else {
      unlink(path)
    }
  }
}

/// A contract violation found by ``StorageConformance``.
public struct StorageConformanceFailure: Error, CustomStringConvertible {
  /// The check that failed.
  public var check: String
  /// What went wrong.
  public var message: String

  /// A failure of `check`, described by `message`.
  public init(check: String, message: String) {
    self.check = check
    self.message = message
  }

  /// "check: message".
  public var description: String { "\(check): \(message)" }
}
