import RESP
import Testing

struct RESPSerializerTests {
  @Test func encodesEveryKind() {
    #expect(RESPValue.simpleString("OK").encoded == Array("+OK\r\n".utf8))
    #expect(RESPValue.error("ERR bad").encoded == Array("-ERR bad\r\n".utf8))
    #expect(RESPValue.integer(-42).encoded == Array(":-42\r\n".utf8))
    #expect(RESPValue.bulk("hé").encoded == Array("$3\r\nhé\r\n".utf8))
    #expect(RESPValue.bulkString([]).encoded == Array("$0\r\n\r\n".utf8))
    #expect(RESPValue.null.encoded == Array("$-1\r\n".utf8))
    #expect(RESPValue.array(nil).encoded == Array("*-1\r\n".utf8))
    #expect(RESPValue.command(["GET", "k"]).encoded == Array("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".utf8))
  }

  @Test func lineBreaksInStatusRepliesCannotBreakTheFraming() {
    #expect(RESPValue.error("ERR a\r\nb").encoded == Array("-ERR a  b\r\n".utf8))
  }

  @Test func valuesRoundTripThroughTheDecoder() throws {
    let values: [RESPValue] = [
      .simpleString("PONG"), .error("TRYAGAIN no leader"), .integer(Int64.min), .bulkString(Array(0...255)), .null,
      .array([.integer(1), .array([.bulk("nested"), .null]), .array(nil)]), .array([]),
    ]
    var decoder = RESPValueDecoder()
    decoder.append(values.flatMap(\.encoded))
    for value in values { #expect(try decoder.next() == value) }
    #expect(try decoder.next() == nil)
  }
}

struct RESPRequestDecoderTests {
  private func decodeAll(_ text: String, chunk: Int = .max, limits: RESPLimits = RESPLimits()) throws -> [RESPRequest] {
    var decoder = RESPRequestDecoder(limits: limits)
    var requests: [RESPRequest] = []
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let end = min(bytes.count, offset + chunk)
      decoder.append(bytes[offset..<end])
      offset = end
      while let request = try decoder.next() { requests.append(request) }
    }
    return requests
  }

  private func command(_ words: String...) -> RESPRequest { .command(words.map { Array($0.utf8) }) }

  @Test(arguments: [1, 2, 3, 7, 1000])
  func pipelinedRequestsComeOutInOrderHoweverTheBytesArrive(chunk: Int) throws {
    let stream =
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n*1\r\n$4\r\nPING\r\nGET k\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
    let requests = try decodeAll(stream, chunk: chunk)
    #expect(requests == [command("SET", "k", "v\r\nxy"), command("PING"), command("GET", "k"), command("GET", "")])
  }

  @Test func inlineCommandsSplitOnSpacesAndSkipEmptyLines() throws {
    #expect(try decodeAll("\r\n  PING  \r\nSET a  b\n") == [command("PING"), command("SET", "a", "b")])
  }

  @Test func emptyArraysAreIgnored() throws {
    #expect(try decodeAll("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n") == [command("PING")])
  }

  @Test func anOversizedArgumentIsSkippedAndTheStreamStaysUsable() throws {
    let limits = RESPLimits(maximumBulkLength: 8)
    let big = String(repeating: "x", count: 20)
    let stream = "*3\r\n$3\r\nSET\r\n$20\r\n\(big)\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n"
    for chunk in [1, 5, 1000] {
      let requests = try decodeAll(stream, chunk: chunk, limits: limits)
      #expect(requests == [.tooLarge(length: 20, limit: 8), command("PING")], "chunk \(chunk)")
    }
  }

  @Test(arguments: [
    ("*2\r\n+OK\r\n", "expected '$', got '+'"),
    ("*x\r\n", "invalid multibulk length"),
    ("*1\r\n$-5\r\n", "invalid bulk length"),
    ("*1\r\n$2\r\nabcd\r\n", "bulk string not followed by CRLF"),
    ("*99999999\r\n", "invalid multibulk length"),
  ])
  func malformedFramingIsATypedError(input: String, reason: String) {
    var decoder = RESPRequestDecoder()
    decoder.append(Array(input.utf8))
    #expect(throws: RESPProtocolError(reason)) {
      while try decoder.next() != nil {}
    }
  }

  @Test func anEndlessLineIsRefusedWithoutBufferingItAll() {
    var decoder = RESPRequestDecoder(limits: RESPLimits(maximumLineLength: 100))
    decoder.append(Array(repeating: UInt8(ascii: "a"), count: 200))
    #expect(throws: RESPProtocolError("too big request line")) { try decoder.next() }
  }

  @Test func aPartialRequestWaitsForMoreBytes() throws {
    var decoder = RESPRequestDecoder()
    decoder.append(Array("*2\r\n$3\r\nGET\r\n$5\r\nab".utf8))
    #expect(try decoder.next() == nil)
    decoder.append(Array("cde\r\n".utf8))
    #expect(try decoder.next() == command("GET", "abcde"))
    #expect(decoder.bufferedByteCount == 0)
  }
}
