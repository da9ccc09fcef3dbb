/// Lines read from a pipe in big chunks, for the text protocol on both ends: what was read past
/// the last line handed over stays available (``takeRemaining()``), so nothing is lost when the
/// two sides switch to binary frames.
public struct LineReader {
  private var buffer: [UInt8] = []
  /// Where the unread part of `buffer` starts (lines are consumed without shifting the rest).
  private var start = 0
  private var chunk = [UInt8](repeating: 0, count: 65536)

  public init() {}

  /// The next line without its newline, reading more with `read` (which fills the buffer it is
  /// given and returns the count, 0 or less at the end) while no whole line is buffered.
  /// - Returns: nil at the end of input; an unterminated last line stays in ``takeRemaining()``.
  public mutating func readLine(using read: (UnsafeMutableRawBufferPointer) -> Int) -> String? {
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        defer { start = newline + 1 }
        return String(decoding: buffer[start..<newline], as: UTF8.self)
      }
      buffer.removeSubrange(..<start)
      start = 0
      let count = chunk.withUnsafeMutableBytes { read($0) }
      guard count > 0 else { return nil }
      buffer += chunk.prefix(count)
    }
  }

  /// Hands over the bytes read but not consumed as lines.
  public mutating func takeRemaining() -> [UInt8] {
    defer {
      buffer.removeAll()
      start = 0
    }
    return Array(buffer[start...])
  }
}
