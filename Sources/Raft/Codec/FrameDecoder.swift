/// Cuts a byte stream into frames: feed it bytes as they arrive, take whole frames out.
///
/// It checks a frame's announced length against ``maximumLength`` as soon as the length field
/// arrives, before buffering the body, so a peer cannot make the receiver buffer an oversized
/// frame. After any error the stream is unusable (frame boundaries are lost): close the
/// connection.
public struct FrameDecoder: Sendable {
  /// The largest length field accepted.
  public let maximumLength: Int
  private var buffer: [UInt8] = []
  private var readOffset = 0

  /// A decoder that refuses frames whose length field exceeds `maximumLength`.
  public init(maximumLength: Int = FrameCodec.defaultMaximumLength) {
    self.maximumLength = maximumLength
  }

  /// Bytes received and not yet consumed by a whole frame.
  public var bufferedByteCount: Int { buffer.count - readOffset }

  /// How many more bytes the next frame needs (at least 1 when nothing is buffered).
  public var bytesNeeded: Int {
    let available = bufferedByteCount
    guard available >= FrameCodec.lengthFieldSize else { return FrameCodec.lengthFieldSize - available }
    return max(0, FrameCodec.lengthFieldSize + announcedLength - available)
  }

  private var announcedLength: Int {
    buffer.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: readOffset, as: UInt32.self))) }
  }

  /// Adds received bytes.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) {
    compactIfWorthwhile()
    buffer.append(contentsOf: bytes)
  }

  /// Adds received bytes.
  public mutating func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { append($0) }
  }

  /// The next whole frame, or nil until more bytes arrive.
  /// - Throws: ``DecodeError`` for an oversized, undersized or malformed frame.
  public mutating func next() throws(DecodeError) -> Frame? {
    let available = bufferedByteCount
    guard available >= FrameCodec.lengthFieldSize else { return nil }
    let length = announcedLength
    guard length <= maximumLength else { throw .oversized(length: length, limit: maximumLength) }
    guard length >= FrameCodec.minimumLength else { throw .undersized(length: length) }
    guard available >= FrameCodec.lengthFieldSize + length else { return nil }
    let start = readOffset + FrameCodec.lengthFieldSize
    readOffset = start + length
    // withUnsafeBytes rethrows untyped errors; a Result keeps the error typed.
    let result = buffer.withUnsafeBytes { raw in
      Result { () throws(DecodeError) -> Frame in
        try FrameCodec.decodeFrame(UnsafeRawBufferPointer(rebasing: raw[start..<start + length]))
      }
    }
    return try result.get()
  }

  /// Drops consumed bytes once they are most of the buffer, so memory stays near one frame.
  private mutating func compactIfWorthwhile() {
    guard readOffset > 0 else { return }
    if readOffset == buffer.count {
      buffer.removeAll(keepingCapacity: true)
      readOffset = 0
    } else if readOffset >= 64 * 1024 || readOffset * 2 >= buffer.count {
      buffer.removeSubrange(0..<readOffset)
      readOffset = 0
    }
  }
}
