import Foundation
import Testing

/// Runs every transcript script in `testdata/` (see ``TranscriptRunner`` for the commands).
///
/// Rewrite mode: `REWRITE_TRANSCRIPTS=1 swift test --filter TranscriptTests` runs the scripts
/// of the source tree and writes each command's actual output back into them. Afterwards read
/// every changed output (`git diff Tests/RaftTests/testdata`) and check by hand that it is
/// correct Raft behaviour: a transcript that records a bug is worse than none.
@Suite struct TranscriptTests {
  static let sourceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata")

  static let isRewriting = ProcessInfo.processInfo.environment["REWRITE_TRANSCRIPTS"] == "1"

  /// Where scripts are read from: the copy in the test bundle, or the source tree when rewriting.
  static let scriptDirectory: URL? =
    isRewriting ? sourceDirectory : Bundle.module.url(forResource: "testdata", withExtension: nil)

  static let scriptNames: [String] = {
    guard let directory = scriptDirectory,
      let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
    else { return [] }
    return names.filter { $0.hasSuffix(".txt") }.sorted()
  }()

  /// Guards against a missing resource bundle silently running no transcripts at all.
  @Test func everyExpectedScriptIsPresent() {
    let required = [
      "election.txt", "prevote.txt", "checkquorum.txt", "replication.txt", "backtracking_decrement.txt",
      "backtracking_conflict_hint.txt", "figure8.txt", "snapshot.txt",
    ]
    for name in required { #expect(Self.scriptNames.contains(name), "missing testdata/\(name)") }
  }

  @Test(arguments: scriptNames) func transcript(_ name: String) throws {
    let url = try #require(Self.scriptDirectory).appendingPathComponent(name)
    let text = try String(contentsOf: url, encoding: .utf8)
    let script: TranscriptScript
    do {
      script = try TranscriptScript(parsing: text)
    } catch {
      Issue.record("\(name):\(error.line): \(error.reason)", sourceLocation: location(in: name, line: error.line))
      return
    }
    var runner = TranscriptRunner()
    var outputs: [String] = []
    for block in script.blocks {
      let output: String
      do {
        output = try runner.run(block.command)
      } catch {
        Issue.record(
          "\(name):\(block.line): '\(block.commandLine)': \(error)",
          sourceLocation: location(in: name, line: block.line))
        return
      }
      outputs.append(output)
      if !Self.isRewriting && output != block.expected {
        Issue.record(
          """
          \(name):\(block.line): output of '\(block.commandLine)' differs (- expected, + actual):
          \(TranscriptDiff.lines(expected: block.expected, actual: output))
          (rewrite with REWRITE_TRANSCRIPTS=1, then check every changed line by hand)
          """, sourceLocation: location(in: name, line: block.line))
        return
      }
    }
    if Self.isRewriting {
      try script.rendered(withOutputs: outputs).write(to: url, atomically: true, encoding: .utf8)
    }
  }

  /// Points a failure at the script line in the source tree, so editors jump to it.
  private func location(in name: String, line: Int) -> SourceLocation {
    SourceLocation(
      fileID: "RaftTests/\(name)", filePath: Self.sourceDirectory.appendingPathComponent(name).path, line: line,
      column: 1)
  }
}
