import Foundation
import Raft

/// Checks that a data directory belongs to this service, cluster and node (so a node never
/// starts on another node's state), creating it and its identity file on first use.
enum DataDirectory {
  static let identityFileName = "raft-example-identity"

  static func prepare(_ path: String, service: String, node: NodeID, members: [NodeID]) throws(ServerSetupError) -> URL
  {
    let directory = URL(fileURLWithPath: path, isDirectory: true)
    let identity =
      "service=\(service)\nnode=\(node)\nmembers=\(members.map(\.description).joined(separator: ","))\n"
    let file = directory.appendingPathComponent(identityFileName)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ServerSetupError("--data-dir \(path): cannot create it: \(error.localizedDescription)")
    }
    if let existing = try? String(contentsOf: file, encoding: .utf8) {
      guard existing == identity else {
        let found = existing.split(separator: "\n").joined(separator: ", ")
        throw ServerSetupError(
          "--data-dir \(path) belongs to another cluster or node (\(found)); this is \(service) node \(node) of members \(members.map(\.description).joined(separator: ","))"
        )
      }
    } else {
      let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      guard contents.isEmpty else {
        throw ServerSetupError(
          "--data-dir \(path) is not empty and has no \(identityFileName): not a data directory of this service")
      }
      do {
        try identity.write(to: file, atomically: true, encoding: .utf8)
      } catch {
        throw ServerSetupError("--data-dir \(path): cannot write \(identityFileName): \(error.localizedDescription)")
      }
    }
    return directory
  }
}
