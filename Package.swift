// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "SwiftRaft",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Raft", targets: ["Raft"]),
    .library(name: "RaftTesting", targets: ["RaftTesting"]),
    .executable(name: "raft-sim", targets: ["raft-sim"]),
    .executable(name: "raft-bench", targets: ["raft-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
  ],
  targets: [
    .target(
      name: "Raft",
      dependencies: [.product(name: "DequeModule", package: "swift-collections")]
    ),
    .target(
      name: "RaftTesting",
      dependencies: [
        "Raft",
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "HeapModule", package: "swift-collections"),
      ]
    ),
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
        "Raft", "MallocCounter",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/raft-bench"
    ),
    // Counts heap allocations by wrapping malloc and friends; linked only into raft-bench.
    .target(name: "MallocCounter", path: "Benchmarks/MallocCounter"),
    .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftTesting"], resources: [.copy("testdata")]),
    .testTarget(name: "RaftTestingTests", dependencies: ["Raft", "RaftTesting"]),
  ],
  swiftLanguageModes: [.v6]
)
