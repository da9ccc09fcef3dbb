import RaftTestNodeClient
import Testing

/// `raft-testnode`'s binary mode, driven as `raft-bench node --processes` drives it.
@Suite("raft-testnode binary protocol")
struct TestNodeBinaryProtocolTests {
  /// A one-node cluster (it elects itself), started and leading.
  static func singleNode() async throws -> NodeProcess {
    let node = try NodeProcess(arguments: ["1", "1", "binary-test"])
    #expect(try await node.readLine().hasPrefix("listening "))
    #expect(try await node.request("record") == "ok")
    #expect(try await node.request("start") == "ok")
    try await waitUntil("the node leads") { try await node.request("status").contains("role=leader") }
    return node
  }

  @Test("Frames right behind `binary`, pipelined and split across writes: every tag answered once, applied in order")
  func pipelined() async throws {
    let node = try await Self.singleNode()
    // The frames follow the command in the same write: none may be lost in the switch.
    var first = Array("binary\n".utf8)
    for tag in 0..<100 { TestNodeFrames.appendRequest(tag: UInt64(tag), command: Array("c\(tag)".utf8), to: &first) }
    try node.send(first)
    #expect(try await node.readLine() == "ok")
    var responses = try await node.readResponses(100)

    // A second burst written a few bytes at a time, so frames straddle reads.
    var second: [UInt8] = []
    for tag in 100..<200 {
      TestNodeFrames.appendRequest(tag: UInt64(tag), command: Array("c\(tag)".utf8), to: &second)
    }
    var offset = 0
    while offset < second.count {
      try node.send(Array(second[offset..<min(offset + 37, second.count)]))
      offset += 37
    }
    responses += try await node.readResponses(100)

    #expect(Set(responses.map(\.tag)) == Set((0..<200).map { UInt64($0) }))
    for response in responses {
      #expect(response.status == .ok)
      #expect(String(decoding: response.payload, as: UTF8.self).hasSuffix(":c\(response.tag)"))
    }
    // Applied in the order sent: the frames of one read are proposed together, in order.
    let indexes = responses.sorted { $0.tag < $1.tag }.map {
      Int(String(decoding: $0.payload, as: UTF8.self).split(separator: ":")[0])!
    }
    #expect(indexes == indexes.sorted())

    // The end of input stops the node and ends the process.
    node.closeInput()
    await #expect(throws: NodeProcess.Failure.self) { try await node.readLine() }
  }

  @Test("Errors come back as error frames; a malformed frame ends the process")
  func errors() async throws {
    let node = try NodeProcess(arguments: ["1", "1", "binary-test"])
    #expect(try await node.readLine().hasPrefix("listening "))
    #expect(try await node.request("binary") == "ok")
    var frame: [UInt8] = []
    TestNodeFrames.appendRequest(tag: 42, command: [1, 2, 3], to: &frame)
    try node.send(frame)
    let responses = try await node.readResponses(1)
    #expect(responses.first?.tag == 42)
    #expect(responses.first?.status == .error)
    #expect(String(decoding: responses.first?.payload ?? [], as: UTF8.self) == "the node is not started")

    try node.send([2, 0, 0, 0, 0, 0])
    await #expect(throws: NodeProcess.Failure.self) { try await node.readLine() }
  }
}
