import Testing

@Suite struct TranscriptParserTests {
  @Test func parsesCommandsArgumentsCommentsAndOutputs() throws {
    let text = """
      # a comment
      add-nodes 3 prevote=true log=(1,1,2) to=()
      ----
      line one
      line two

      campaign 1
      ----
      ok
      """
    let script = try TranscriptScript(parsing: text)
    #expect(script.blocks.count == 2)
    let first = script.blocks[0]
    #expect(first.line == 2)
    #expect(first.command.name == "add-nodes")
    #expect(
      first.command.arguments == [
        TranscriptArgument(key: nil, values: ["3"]),
        TranscriptArgument(key: "prevote", values: ["true"]),
        TranscriptArgument(key: "log", values: ["1", "1", "2"], isList: true),
        TranscriptArgument(key: "to", values: [], isList: true),
      ])
    #expect(first.expected == "line one\nline two")
    #expect(script.blocks[1].line == 7)
    #expect(script.blocks[1].expected == "ok")
    #expect(script.items.first == .text("# a comment"))
  }

  @Test func aBlockWithEmptyOutputEndsAtTheBlankLine() throws {
    let script = try TranscriptScript(parsing: "heal\n----\n\nheal\n----\n")
    #expect(script.blocks.map(\.expected) == ["", ""])
    #expect(script.blocks.map(\.line) == [1, 4])
  }

  @Test func renderingKeepsCommentsAndReplacesOutputs() throws {
    let text = "# story\ntick 1\n----\nold\n\n# more\nheal\n----\nok\n"
    let script = try TranscriptScript(parsing: text)
    #expect(script.rendered(withOutputs: ["old", "ok"]) == text)
    #expect(
      script.rendered(withOutputs: ["new a\nnew b", "ok"])
        == "# story\ntick 1\n----\nnew a\nnew b\n\n# more\nheal\n----\nok\n")
  }

  struct Malformed: Sendable, CustomTestStringConvertible {
    var text: String
    var line: Int
    var reason: String
    var testDescription: String { reason }
  }

  static let malformedScripts = [
    Malformed(text: "tick 1\nok\n", line: 1, reason: "command 'tick' must be followed by a line '----'"),
    Malformed(text: "# end\ntick 1", line: 2, reason: "command 'tick' must be followed by a line '----'"),
    Malformed(text: "----\nok\n", line: 1, reason: "'----' without a command before it"),
    Malformed(
      text: "heal\n----\n\n  tick 1\n----\n", line: 4, reason: "a command must start at the beginning of its line"),
    Malformed(text: "partition (1,2\n----\n", line: 1, reason: "unclosed '(' in 'partition (1,2'"),
    Malformed(text: "partition 1,2)\n----\n", line: 1, reason: "unmatched ')' in 'partition 1,2)'"),
    Malformed(text: "partition ((1))\n----\n", line: 1, reason: "nested '(' in 'partition ((1))'"),
    Malformed(text: "add-nodes 3 =true\n----\n", line: 1, reason: "argument '=true' has an invalid key"),
    Malformed(text: "add-nodes 3 prevote=\n----\n", line: 1, reason: "argument 'prevote=' has no value"),
    Malformed(text: "restart 1 log=(1,,2)\n----\n", line: 1, reason: "list 'log=(1,,2)' has an empty item"),
    Malformed(text: "restart 1 log=(1)x\n----\n", line: 1, reason: "argument 'log=(1)x' has text after its ')'"),
    Malformed(text: "Tick 1\n----\n", line: 1, reason: "command name 'Tick' may use only a-z, 0-9 and '-'"),
  ]

  @Test(arguments: malformedScripts) func malformedScriptNamesLineAndReason(_ malformed: Malformed) {
    #expect(throws: TranscriptParseError(line: malformed.line, reason: malformed.reason)) {
      try TranscriptScript(parsing: malformed.text)
    }
  }

  @Test func scriptMistakesAreErrorsNotOutput() throws {
    var runner = TranscriptRunner()
    let cases: [(String, String)] = [
      ("tick 1", "no nodes yet: start the script with add-nodes"),
      ("add-nodes 3 preevote=true", "add-nodes has no option 'preevote'"),
      ("add-nodes 3 backtracking=binary", "backtracking is decrement or conflict-hint, not 'binary'"),
      ("add-nodes 3 election=1 heartbeat=1", "invalid configuration: election timeout (1 ticks)"),
    ]
    for (line, message) in cases {
      let command = try TranscriptCommand(parsing: line, line: 1)
      let error = #expect(throws: TranscriptScriptError.self) { try runner.run(command) }
      #expect(error?.description.hasPrefix(message) == true, "\(line): \(String(describing: error))")
    }
    _ = try runner.run(TranscriptCommand(parsing: "add-nodes 3", line: 1))
    for (line, message) in [
      ("fly 1", "unknown command 'fly'"), ("tick 4", "there is no node 4"), ("tick", "usage: tick ID [TICKS]"),
      ("restart 1 log=(1,0)", "log entry '0' needs a positive term"),
    ] {
      let command = try TranscriptCommand(parsing: line, line: 1)
      let error = #expect(throws: TranscriptScriptError.self) { try runner.run(command) }
      #expect(error?.description.hasPrefix(message) == true, "\(line): \(String(describing: error))")
    }
  }
}
