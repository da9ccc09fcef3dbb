/// One decoded frame.
public enum Frame: Hashable, Sendable {
  /// A Raft message for the engine.
  case message(Message)
  /// A connection's opening frame.
  case handshake(Handshake)
}

/// The versioned binary framing every transport shares.
///
/// A frame is
///
/// | bytes | field                                                              |
/// |-------|--------------------------------------------------------------------|
/// | 4     | length of everything after this field (little-endian)              |
/// | 4     | CRC-32C of everything after this field                             |
/// | 1     | codec version (``version``)                                        |
/// | 1     | kind (``FrameKind``)                                               |
/// | n     | for messages: from, to, term (8 bytes each), then the kind's body  |
///
/// The checksum catches garbage that happens to parse: TCP's own checksum is weak and a
/// stray client can write anything to a peer port.
public enum FrameCodec {
  /// The codec version this build writes and reads.
  public static let version: UInt8 = 1
  /// Bytes before the length-counted part: the length field itself.
  public static let lengthFieldSize = 4
  /// The least a frame's length field can say: checksum, version and kind.
  public static let minimumLength = 4 + 1 + 1
  /// The default limit on one frame's length, large enough for a full AppendEntries batch
  /// (``NodeConfiguration/maxBytesPerAppend`` defaults to 1 MiB) with headroom.
  public static let defaultMaximumLength = 16 << 20

  /// Appends the frame of `message` to `writer`.
  public static func append(_ message: Message, to writer: inout WireWriter) {
    appendFrame(kind: message.body.frameKind, to: &writer) { writer in
      writer.write(message.from.rawValue)
      writer.write(message.to.rawValue)
      writer.write(message.term.rawValue)
      message.body.encodeBody(to: &writer)
    }
  }

  /// Appends the frame of `handshake` to `writer`.
  public static func append(_ handshake: Handshake, to writer: inout WireWriter) {
    appendFrame(kind: .handshake, to: &writer) { handshake.encode(to: &$0) }
  }

  /// The frame of `message`, alone in its own buffer.
  public static func encode(_ message: Message) -> [UInt8] {
    var writer = WireWriter()
    append(message, to: &writer)
    return writer.bytes
  }

  private static func appendFrame(kind: FrameKind, to writer: inout WireWriter, body: (inout WireWriter) -> Void) {
    let start = writer.bytes.count
    writer.write(UInt32(0))  // length, patched below
    writer.write(UInt32(0))  // checksum, patched below
    writer.write(version)
    writer.write(kind.rawValue)
    body(&writer)
    let length = writer.bytes.count - start - lengthFieldSize
    writer.patch(UInt32(truncatingIfNeeded: length), at: start)
    let checksum = writer.bytes.withUnsafeBytes { buffer in
      var crc = CRC32C()
      crc.update(UnsafeRawBufferPointer(rebasing: buffer[(start + 8)...]))
      return crc.value
    }
    writer.patch(checksum, at: start + 4)
  }

  /// Decodes one frame's length-counted part (everything after the length field).
  /// - Throws: ``DecodeError``, for any input that is not exactly one valid frame.
  public static func decodeFrame(_ contents: UnsafeRawBufferPointer) throws(DecodeError) -> Frame {
    guard contents.count >= minimumLength else { throw .undersized(length: contents.count) }
    var reader = WireReader(contents)
    let expected = try reader.readUInt32()
    var crc = CRC32C()
    crc.update(UnsafeRawBufferPointer(rebasing: contents[4...]))
    guard crc.value == expected else { throw .checksumMismatch(expected: expected, actual: crc.value) }
    let frameVersion = try reader.readUInt8()
    guard frameVersion == version else { throw .unsupportedVersion(frameVersion) }
    let rawKind = try reader.readUInt8()
    guard let kind = FrameKind(rawValue: rawKind) else { throw .unknownKind(rawKind) }
    let frame: Frame
    if kind == .handshake {
      frame = .handshake(try Handshake.decode(from: &reader))
    } else {
      let from = NodeID(try reader.readUInt64())
      let to = NodeID(try reader.readUInt64())
      let term = Term(try reader.readUInt64())
      guard let body = try MessageBody.decodeBody(kind: kind, from: &reader) else { throw .unknownKind(rawKind) }
      frame = .message(Message(from: from, to: to, term: term, body: body))
    }
    try reader.expectEnd()
    return frame
  }

  /// Decodes a buffer that holds exactly one whole frame, length field included.
  public static func decode(_ bytes: [UInt8], maximumLength: Int = defaultMaximumLength) throws(DecodeError) -> Frame {
    var decoder = FrameDecoder(maximumLength: maximumLength)
    decoder.append(bytes)
    guard let frame = try decoder.next() else {
      throw .truncated(needed: decoder.bytesNeeded, available: bytes.count)
    }
    if decoder.bufferedByteCount > 0 { throw .trailingBytes(count: decoder.bufferedByteCount) }
    return frame
  }
}
