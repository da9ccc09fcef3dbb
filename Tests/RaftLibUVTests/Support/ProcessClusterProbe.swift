import Testing

/// Queries shared by the multi-process tests.
enum ProcessClusterProbe {
  /// Waits until exactly one of `ids` leads and the others follow it.
  static func leader(among ids: [Int], _ nodes: [Int: NodeProcess]) async throws -> Int {
    var found: Int?
    try await waitUntil("a leader among \(ids)") {
      var statuses: [Int: MultiProcessTests.Status] = [:]
      for id in ids { statuses[id] = MultiProcessTests.Status(try await nodes[id]!.request("status")) }
      let leaders = ids.filter { statuses[$0]?.role == "leader" }
      guard leaders.count == 1, let leader = leaders.first else { return false }
      guard ids.allSatisfy({ statuses[$0]?.leader == "\(leader)" }) else { return false }
      found = leader
      return true
    }
    return found!
  }

  /// Proposes on each node in turn until one accepts; returns its response.
  static func propose(_ text: String, among ids: [Int], _ nodes: [Int: NodeProcess]) async throws -> String {
    var answer = ""
    try await waitUntil("\"\(text)\" committed") {
      for id in ids {
        let line = try await nodes[id]!.request("propose \(text)")
        if line.hasPrefix("ok ") {
          answer = String(line.dropFirst(3))
          return true
        }
      }
      return false
    }
    return answer
  }
}
