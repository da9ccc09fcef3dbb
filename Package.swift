// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "SwiftRaft",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Raft", targets: ["Raft"]),
    .library(name: "RaftTesting", targets: ["RaftTesting"]),
    .library(name: "RaftFileStorage", targets: ["RaftFileStorage"]),
    .library(name: "RaftLibUV", targets: ["RaftLibUV"]),
    .executable(name: "raft-sim", targets: ["raft-sim"]),
    .executable(name: "raft-bench", targets: ["raft-bench"]),
    .executable(name: "raft-testnode", targets: ["raft-testnode"]),
    .executable(name: "raft-kv", targets: ["raft-kv"]),
    .executable(name: "raft-counter", targets: ["raft-counter"]),
    .executable(name: "raft-lock", targets: ["raft-lock"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    // `swift package generate-documentation`; a build tool only, linked into nothing.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // CRC-32C with the CPU's instructions (SSE 4.2, ARMv8 CRC), used by Raft's CRC32C when present.
    .target(name: "CRC32CHardware"),
    .target(
      name: "Raft",
      dependencies: ["CRC32CHardware", .product(name: "DequeModule", package: "swift-collections")]
    ),
    .target(
      name: "RaftTesting",
      dependencies: [
        "Raft",
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "HeapModule", package: "swift-collections"),
      ]
    ),
    // The durable storage plugin: a segmented, checksummed log with group commit.
    .target(
      name: "RaftFileStorage",
      dependencies: [
        "Raft",
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    // Appends under load and prints each acknowledged index; the crash tests SIGKILL it.
    .executableTarget(
      name: "file-storage-crash-child",
      dependencies: ["Raft", "RaftFileStorage"],
      path: "Tests/FileStorageCrashChild"
    ),
    // libuv, found by pkg-config; Debian and Ubuntu ship it as libuv1-dev.
    .systemLibrary(
      name: "CLibUV",
      pkgConfig: "libuv",
      providers: [.apt(["libuv1-dev"])]
    ),
    .target(
      name: "RaftLibUV",
      dependencies: [
        "Raft", "CLibUV",
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // One RaftNode per process, driven over stdin, for the multi-process tests.
    .executableTarget(
      name: "raft-testnode", dependencies: ["Raft", "RaftFileStorage", "RaftLibUV", "RaftTestNodeClient"]),
    // What drives raft-testnode: its binary protocol (the node speaks it too) and spawning it.
    .target(name: "RaftTestNodeClient"),
    .executableTarget(
      name: "raft-sim",
      dependencies: [
        "Raft", "RaftTesting",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "raft-bench",
      dependencies: [
        "Raft", "RaftFileStorage", "RaftLibUV", "MallocCounter", "RaftTestNodeClient",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/raft-bench"
    ),
    // Counts heap allocations by wrapping malloc and friends; linked only into raft-bench.
    .target(name: "MallocCounter", path: "Benchmarks/MallocCounter"),
    // Examples: three services that speak the Redis protocol (RESP2) over a RaftNode.
    .target(name: "RESP", path: "Examples/RESP"),
    .target(name: "ExampleSupport", dependencies: ["Raft", "RESP"], path: "Examples/ExampleSupport"),
    .target(name: "KeyValueStore", dependencies: ["Raft", "RESP", "ExampleSupport"], path: "Examples/KeyValueStore"),
    .target(name: "Counter", dependencies: ["Raft", "RESP", "ExampleSupport"], path: "Examples/Counter"),
    .target(name: "LockService", dependencies: ["Raft", "RESP", "ExampleSupport"], path: "Examples/LockService"),
    .target(
      name: "ExampleServer",
      dependencies: [
        "Raft", "RaftLibUV", "RaftFileStorage", "RESP", "ExampleSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "DequeModule", package: "swift-collections"),
      ],
      path: "Examples/ExampleServer"
    ),
    .executableTarget(name: "raft-kv", dependencies: ["ExampleServer", "KeyValueStore"], path: "Examples/raft-kv"),
    .executableTarget(name: "raft-counter", dependencies: ["ExampleServer", "Counter"], path: "Examples/raft-counter"),
    .executableTarget(name: "raft-lock", dependencies: ["ExampleServer", "LockService"], path: "Examples/raft-lock"),
    // `swift package --disable-sandbox local-cluster <example> --nodes 3`: starts a local
    // multi-process cluster of an example and stops it on Ctrl-C.
    .plugin(
      name: "LocalCluster",
      capability: .command(
        intent: .custom(verb: "local-cluster", description: "Starts a local multi-process cluster of an example.")
      ),
      path: "Plugins/LocalCluster"
    ),
    // `swift package --disable-sandbox benchmarks [--quick]`: runs Benchmarks/run-all.sh.
    .plugin(
      name: "Benchmarks",
      capability: .command(
        intent: .custom(verb: "benchmarks", description: "Runs every benchmark and writes a Markdown report.")
      ),
      path: "Plugins/Benchmarks"
    ),
    .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftTesting"], resources: [.copy("testdata")]),
    .testTarget(name: "RaftTestingTests", dependencies: ["Raft", "RaftTesting"]),
    .testTarget(
      name: "ExamplesTests",
      // The executables are dependencies so that `swift test` builds them for the end-to-end tests.
      dependencies: [
        "Raft", "RaftTesting", "RaftLibUV", "RESP", "ExampleSupport", "ExampleServer", "KeyValueStore", "Counter",
        "LockService", "raft-kv",
        "raft-lock", "raft-counter",
      ]
    ),
    .testTarget(
      name: "RaftFileStorageTests",
      dependencies: [
        "Raft", "RaftTesting", "RaftFileStorage", "RaftLibUV", "file-storage-crash-child",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Compiles Plugins/LocalCluster/ClusterPlan.swift through a symlink: plugin code can't be linked.
    .testTarget(name: "LocalClusterPlanTests"),
    .testTarget(
      name: "RaftLibUVTests",
      dependencies: ["Raft", "RaftTesting", "RaftLibUV", "RaftTestNodeClient", "raft-testnode"]),
  ],
  swiftLanguageModes: [.v6]
)
