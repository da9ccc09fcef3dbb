/// The binary, pipelined client protocol of `raft-testnode` (after its `binary` command).
///
/// Every frame starts with its length: a little-endian `UInt32` counting the bytes after it.
/// - Request: length, then a little-endian `UInt64` tag the client chooses, then the command
///   bytes (possibly none). The node proposes the command.
/// - Response: length, then the request's tag, then one status byte (``Status``), then the
///   state machine's response (``Status/ok``) or a UTF-8 description of the error
///   (``Status/error``).
///
/// Requests are pipelined: a client may send many before reading, and responses come in any
/// order, so tags should be distinct among the requests in flight.
public enum TestNodeFrames {
  /// A response's outcome.
  public enum Status: UInt8, Sendable {
    /// The command committed and was applied; the payload is the state machine's response.
    case ok = 0
    /// The proposal failed; the payload is the error's description.
    case error = 1
  }

  /// The largest length a frame may declare: larger ones are rejected as malformed, so a
  /// garbled stream cannot make the reader allocate without limit.
  public static let maximumLength = 16 << 20

  /// Bytes before a request's command: length and tag.
  public static let requestHeaderSize = 12
  /// Bytes before a response's payload: length, tag and status.
  public static let responseHeaderSize = 13

  /// Appends a request frame for `command` to `buffer`.
  public static func appendRequest(tag: UInt64, command: some Collection<UInt8>, to buffer: inout [UInt8]) {
    appendInteger(UInt32(8 + command.count), to: &buffer)
    appendInteger(tag, to: &buffer)
    buffer.append(contentsOf: command)
  }

  /// Appends a response frame to `buffer`.
  public static func appendResponse(
    tag: UInt64, status: Status, payload: some Collection<UInt8>, to buffer: inout [UInt8]
  ) {
    appendInteger(UInt32(9 + payload.count), to: &buffer)
    appendInteger(tag, to: &buffer)
    buffer.append(status.rawValue)
    buffer.append(contentsOf: payload)
  }

  static func appendInteger<Integer: FixedWidthInteger>(_ value: Integer, to buffer: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
  }
}

/// Why a byte stream is not a sequence of frames.
public struct MalformedFrame: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong.
  public var reason: String

  public var description: String { "malformed frame: \(reason)" }
}

/// Splits a byte stream into frames as bytes arrive: append what was read, then take every
/// complete frame.
///
/// Bytes of an incomplete frame stay buffered until the rest arrives. After a
/// ``MalformedFrame`` error the stream cannot be resynchronized: close it.
public struct TestNodeFrameDecoder: Sendable {
  /// A decoded request.
  public struct Request: Hashable, Sendable {
    /// The client's tag, echoed in the response.
    public var tag: UInt64
    /// The command to propose.
    public var command: [UInt8]

    public init(tag: UInt64, command: [UInt8]) {
      self.tag = tag
      self.command = command
    }
  }

  /// A decoded response.
  public struct Response: Hashable, Sendable {
    /// The tag of the request this answers.
    public var tag: UInt64
    /// Whether the proposal succeeded.
    public var status: TestNodeFrames.Status
    /// The state machine's response, or the error's UTF-8 description.
    public var payload: [UInt8]

    public init(tag: UInt64, status: TestNodeFrames.Status, payload: [UInt8]) {
      self.tag = tag
      self.status = status
      self.payload = payload
    }
  }

  /// Storage: the undecoded bytes are `bytes[start..<end]`; what follows `end` is room for the
  /// next read, so reading costs no zero-filling and no extra copy.
  private var bytes: [UInt8] = []
  private var start = 0
  private var end = 0

  public init() {}

  /// Bytes received and not yet decoded into frames.
  public var bufferedCount: Int { end - start }

  /// Adds bytes read from the stream.
  public mutating func append(_ newBytes: some Collection<UInt8>) {
    makeRoom(newBytes.count)
    bytes.withUnsafeMutableBufferPointer { buffer in
      _ = UnsafeMutableBufferPointer(rebasing: buffer[end..<(end + newBytes.count)]).initialize(from: newBytes)
    }
    end += newBytes.count
  }

  /// Lets `read` write up to `capacity` bytes straight into the decoder's storage and keeps
  /// the count it returns (zero or less: nothing kept; returned as is).
  public mutating func append(
    capacity: Int, from read: (UnsafeMutableRawBufferPointer) -> Int
  ) -> Int {
    makeRoom(capacity)
    let count = bytes.withUnsafeMutableBytes { buffer in
      read(UnsafeMutableRawBufferPointer(rebasing: buffer[end..<(end + capacity)]))
    }
    end += max(0, min(count, capacity))
    return count
  }

  /// Hands over the bytes not decoded yet (a frame's beginning, or what follows the frames in
  /// the stream), and empties the decoder.
  public mutating func takeRemaining() -> [UInt8] {
    defer {
      start = 0
      end = 0
    }
    return Array(bytes[start..<end])
  }

  /// Ensures room for `count` more bytes after `end`: moves the undecoded bytes to the front
  /// (usually part of one frame), and grows the storage only if that is not enough.
  private mutating func makeRoom(_ count: Int) {
    guard bytes.count - end < count else { return }
    if start > 0 {
      let undecoded = end - start
      bytes.withUnsafeMutableBytes { buffer in
        guard undecoded > 0, let base = buffer.baseAddress else { return }
        (base).copyMemory(from: base + start, byteCount: undecoded)
      }
      start = 0
      end = undecoded
    }
    if bytes.count - end < count {
      bytes.append(contentsOf: repeatElement(0, count: max(count - (bytes.count - end), bytes.count)))
    }
  }

  /// The next complete request, or nil until more bytes arrive.
  /// - Throws: ``MalformedFrame`` if the length is too small or too large.
  public mutating func nextRequest() throws(MalformedFrame) -> Request? {
    guard let (body, next) = try nextBody(minimumLength: 8) else { return nil }
    start = next
    return Request(tag: integer(at: body), command: Array(bytes[(body + 8)..<next]))
  }

  /// The next complete response, or nil until more bytes arrive.
  /// - Throws: ``MalformedFrame`` if the length is out of range or the status unknown.
  public mutating func nextResponse() throws(MalformedFrame) -> Response? {
    guard let (body, next) = try nextBody(minimumLength: 9) else { return nil }
    guard let status = TestNodeFrames.Status(rawValue: bytes[body + 8]) else {
      throw MalformedFrame(reason: "unknown status \(bytes[body + 8])")
    }
    start = next
    return Response(tag: integer(at: body), status: status, payload: Array(bytes[(body + 9)..<next]))
  }

  /// Where the next frame's body starts and where the frame after it starts, once complete.
  private func nextBody(minimumLength: Int) throws(MalformedFrame) -> (body: Int, next: Int)? {
    guard end - start >= 4 else { return nil }
    let length = Int(integer(at: start) as UInt32)
    guard length >= minimumLength, length <= TestNodeFrames.maximumLength else {
      throw MalformedFrame(
        reason: "length \(length) outside \(minimumLength)...\(TestNodeFrames.maximumLength)")
    }
    let body = start + 4
    guard end - body >= length else { return nil }
    return (body, body + length)
  }

  private func integer<Integer: FixedWidthInteger>(at offset: Int) -> Integer {
    bytes.withUnsafeBytes { Integer(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Integer.self)) }
  }
}
