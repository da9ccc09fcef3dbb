import Logging
import Synchronization

/// Keeps every message logged through it, so tests can check what recovery reported.
struct CapturingLogHandler: LogHandler {
  final class Messages: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
  }

  let messages: Messages
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) { messages.append("\(event.level): \(event.message)") }

  static func logger() -> (Logger, Messages) {
    let messages = Messages()
    return (Logger(label: "test") { _ in CapturingLogHandler(messages: messages) }, messages)
  }
}
