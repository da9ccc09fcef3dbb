import RaftTestNodeClient
import Testing

@Suite("raft-testnode binary frames")
struct TestNodeFramesTests {
  @Test("Requests and responses round-trip, fed whole or one byte at a time")
  func roundTrip() throws {
    var stream: [UInt8] = []
    let commands: [[UInt8]] = [[], [1], Array("hello".utf8), [UInt8](repeating: 0xAB, count: 1000)]
    for (tag, command) in commands.enumerated() {
      TestNodeFrames.appendRequest(tag: UInt64(tag) << 40 | 7, command: command, to: &stream)
    }
    for chunkSize in [stream.count, 1, 5] {
      var decoder = TestNodeFrameDecoder()
      var decoded: [TestNodeFrameDecoder.Request] = []
      var offset = 0
      while offset < stream.count {
        decoder.append(stream[offset..<min(offset + chunkSize, stream.count)])
        offset += chunkSize
        while let request = try decoder.nextRequest() { decoded.append(request) }
      }
      #expect(decoded.map(\.command) == commands)
      #expect(decoded.map(\.tag) == commands.indices.map { UInt64($0) << 40 | 7 })
      #expect(decoder.bufferedCount == 0)
    }

    var responses: [UInt8] = []
    TestNodeFrames.appendResponse(tag: 9, status: .ok, payload: Array("1:x".utf8), to: &responses)
    TestNodeFrames.appendResponse(tag: 3, status: .error, payload: "not the leader".utf8, to: &responses)
    var decoder = TestNodeFrameDecoder()
    let read = decoder.append(capacity: 64) { buffer in
      buffer.copyBytes(from: responses)
      return responses.count
    }
    #expect(read == responses.count)
    #expect(
      try decoder.nextResponse() == .init(tag: 9, status: .ok, payload: Array("1:x".utf8)))
    #expect(
      try decoder.nextResponse() == .init(tag: 3, status: .error, payload: Array("not the leader".utf8)))
    #expect(try decoder.nextResponse() == nil)
  }

  @Test("A length out of range or an unknown status is malformed; a partial frame waits")
  func malformed() throws {
    var short = TestNodeFrameDecoder()
    short.append([3, 0, 0, 0, 1, 2, 3])
    #expect(throws: MalformedFrame.self) { try short.nextRequest() }

    var huge = TestNodeFrameDecoder()
    huge.append([0xFF, 0xFF, 0xFF, 0xFF])
    #expect(throws: MalformedFrame.self) { try huge.nextRequest() }

    var status = TestNodeFrameDecoder()
    status.append([9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7])
    #expect(throws: MalformedFrame.self) { try status.nextResponse() }

    var partial = TestNodeFrameDecoder()
    partial.append([20, 0, 0, 0, 1, 2])
    #expect(try partial.nextRequest() == nil)
    #expect(partial.takeRemaining() == [20, 0, 0, 0, 1, 2])
    #expect(partial.bufferedCount == 0)
  }
}
