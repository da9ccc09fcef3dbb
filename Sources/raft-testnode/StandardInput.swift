import RaftTestNodeClient

#if canImport(Glibc)
  import Glibc
#endif

/// Standard input read in big chunks: lines for the text protocol, and whatever was read past
/// the last line handed over when the client switches to frames, so no byte is lost there
/// (stdio's `readLine` would keep it in its own buffer).
final class StandardInput {
  private var buffer: [UInt8] = []
  private var start = 0
  private var chunk = [UInt8](repeating: 0, count: 65536)

  /// The next line without its newline, or nil at the end of input.
  func readLine() -> String? {
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        defer { start = newline + 1 }
        return String(decoding: buffer[start..<newline], as: UTF8.self)
      }
      buffer.removeSubrange(..<start)
      start = 0
      let count = chunk.withUnsafeMutableBytes { Self.read(into: $0) }
      guard count > 0 else {
        // A last line without a newline still counts.
        guard !buffer.isEmpty else { return nil }
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
      }
      buffer += chunk.prefix(count)
    }
  }

  /// Hands over the bytes read but not consumed as lines.
  func takeBuffered() -> [UInt8] {
    defer {
      buffer.removeAll()
      start = 0
    }
    return Array(buffer[start...])
  }

  /// Reads up to `buffer.count` bytes from standard input, retrying on EINTR. - Returns: the
  /// count read; 0 at the end of input or on an error.
  static func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    while true {
      let count = Glibc.read(0, buffer.baseAddress, buffer.count)
      if count < 0 && errno == EINTR { continue }
      return max(0, count)
    }
  }
}

/// Writes all of `bytes` to standard output, retrying short writes and EINTR.
/// - Returns: false if the reader is gone.
@discardableResult
func writeToStandardOutput(_ bytes: [UInt8]) -> Bool { TestNodeChild.writeAll(bytes, to: 1) }
