import RaftTestNodeClient

#if canImport(Glibc)
  import Glibc
#endif

/// Standard input read in big chunks: lines for the text protocol, and whatever was read past
/// the last line handed over when the client switches to frames, so no byte is lost there
/// (stdio's `readLine` would keep it in its own buffer).
final class StandardInput {
  private var lines = LineReader()

  /// The next line without its newline, or nil at the end of input.
  func readLine() -> String? {
    if let line = lines.readLine(using: Self.read) { return line }
    // A last line without a newline still counts.
    let rest = lines.takeRemaining()
    return rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
  }

  /// Hands over the bytes read but not consumed as lines.
  func takeBuffered() -> [UInt8] { lines.takeRemaining() }

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
