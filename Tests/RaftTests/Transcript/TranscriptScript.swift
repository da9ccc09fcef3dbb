/// A transcript script in the style of etcd's datadriven `testdata/*.txt` files.
///
/// A script is a sequence of blocks, each a command line, a line `----`, the expected output
/// and a blank line (or the end of the file). Lines starting with `#` and blank lines between
/// blocks are commentary; they are kept so that a rewrite reproduces the script around the new
/// outputs.
///
///     # node 1 starts an election
///     campaign 1
///     ----
///     ok
///
/// A command is a name followed by arguments separated by spaces. An argument is a value
/// (`3`), a list (`(1,2)`), or either of those after a key (`prevote=true`, `log=(1,1,2)`).
struct TranscriptScript: Equatable {
  enum Item: Equatable {
    /// A comment or a blank line.
    case text(String)
    case block(TranscriptBlock)
  }

  var items: [Item]

  var blocks: [TranscriptBlock] {
    items.compactMap {
      if case .block(let block) = $0 { block } else { nil }
    }
  }

  init(parsing text: String) throws(TranscriptParseError) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if text.hasSuffix("\n") { lines.removeLast() }
    items = []
    var index = 0
    while index < lines.count {
      let line = lines[index]
      let lineNumber = index + 1
      if line.isEmpty || line.hasPrefix("#") {
        items.append(.text(line))
        index += 1
        continue
      }
      if line == TranscriptBlock.separator {
        throw TranscriptParseError(line: lineNumber, reason: "'----' without a command before it")
      }
      if line.first!.isWhitespace {
        throw TranscriptParseError(line: lineNumber, reason: "a command must start at the beginning of its line")
      }
      let command = try TranscriptCommand(parsing: line, line: lineNumber)
      guard index + 1 < lines.count, lines[index + 1] == TranscriptBlock.separator else {
        throw TranscriptParseError(
          line: lineNumber, reason: "command '\(command.name)' must be followed by a line '----'")
      }
      var end = index + 2
      while end < lines.count, !lines[end].isEmpty { end += 1 }
      let expected = lines[(index + 2)..<end].joined(separator: "\n")
      items.append(.block(TranscriptBlock(line: lineNumber, commandLine: line, command: command, expected: expected)))
      index = end
    }
  }

  /// The script with each block's expected output replaced by `outputs[i]` (in block order).
  func rendered(withOutputs outputs: [String]) -> String {
    precondition(outputs.count == blocks.count, "one output per block")
    var lines: [String] = []
    var nextOutput = 0
    for item in items {
      switch item {
      case .text(let text):
        lines.append(text)
      case .block(let block):
        lines.append(block.commandLine)
        lines.append(TranscriptBlock.separator)
        if !outputs[nextOutput].isEmpty { lines.append(outputs[nextOutput]) }
        nextOutput += 1
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// One command of a script with its expected output.
struct TranscriptBlock: Equatable {
  static let separator = "----"

  /// The 1-based line of the command, for failure reports.
  var line: Int
  var commandLine: String
  var command: TranscriptCommand
  /// The expected output: the lines after `----`, joined by newlines (no trailing newline).
  var expected: String
}

/// A command name and its arguments.
struct TranscriptCommand: Equatable {
  var name: String
  var arguments: [TranscriptArgument]

  init(name: String, arguments: [TranscriptArgument]) {
    self.name = name
    self.arguments = arguments
  }

  init(parsing line: String, line lineNumber: Int) throws(TranscriptParseError) {
    let tokens = try Self.tokens(of: line, line: lineNumber)
    name = tokens[0]
    guard name.allSatisfy(Self.isNameCharacter) else {
      throw TranscriptParseError(line: lineNumber, reason: "command name '\(name)' may use only a-z, 0-9 and '-'")
    }
    var arguments: [TranscriptArgument] = []
    for token in tokens.dropFirst() {
      arguments.append(try TranscriptArgument(parsing: token, line: lineNumber))
    }
    self.arguments = arguments
  }

  static func isNameCharacter(_ character: Character) -> Bool {
    character == "-" || ("a"..."z").contains(character) || ("0"..."9").contains(character)
  }

  /// Splits at spaces outside parentheses.
  private static func tokens(of line: String, line lineNumber: Int) throws(TranscriptParseError) -> [String] {
    var tokens: [String] = []
    var current = ""
    var depth = 0
    for character in line {
      switch character {
      case "(":
        guard depth == 0 else { throw TranscriptParseError(line: lineNumber, reason: "nested '(' in '\(line)'") }
        depth += 1
      case ")":
        guard depth == 1 else { throw TranscriptParseError(line: lineNumber, reason: "unmatched ')' in '\(line)'") }
        depth -= 1
      case " " where depth == 0:
        if !current.isEmpty { tokens.append(current) }
        current = ""
        continue
      default:
        break
      }
      current.append(character)
    }
    guard depth == 0 else { throw TranscriptParseError(line: lineNumber, reason: "unclosed '(' in '\(line)'") }
    if !current.isEmpty { tokens.append(current) }
    return tokens
  }
}

/// `value`, `(a,b)`, `key=value` or `key=(a,b)`.
struct TranscriptArgument: Equatable {
  var key: String?
  var values: [String]
  /// Whether the values were written as a parenthesized list.
  var isList: Bool

  init(key: String?, values: [String], isList: Bool = false) {
    self.key = key
    self.values = values
    self.isList = isList
  }

  init(parsing token: String, line lineNumber: Int) throws(TranscriptParseError) {
    var valueText = Substring(token)
    if let equals = token.firstIndex(of: "="), !token[..<equals].contains("(") {
      let key = String(token[..<equals])
      guard !key.isEmpty, key.allSatisfy(TranscriptCommand.isNameCharacter) else {
        throw TranscriptParseError(line: lineNumber, reason: "argument '\(token)' has an invalid key")
      }
      self.key = key
      valueText = token[token.index(after: equals)...]
    } else {
      key = nil
    }
    guard !valueText.isEmpty else {
      throw TranscriptParseError(line: lineNumber, reason: "argument '\(token)' has no value")
    }
    if valueText.hasPrefix("(") {
      guard valueText.hasSuffix(")") else {
        throw TranscriptParseError(line: lineNumber, reason: "argument '\(token)' has text after its ')'")
      }
      let inner = valueText.dropFirst().dropLast()
      let items = inner.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard inner.isEmpty || !items.contains(where: \.isEmpty) else {
        throw TranscriptParseError(line: lineNumber, reason: "list '\(token)' has an empty item")
      }
      values = inner.isEmpty ? [] : items
      isList = true
    } else {
      guard !valueText.contains("("), !valueText.contains(")"), !valueText.contains("=") else {
        throw TranscriptParseError(line: lineNumber, reason: "argument '\(token)' is malformed")
      }
      values = [String(valueText)]
      isList = false
    }
  }
}

/// Why a script could not be parsed, with the line to fix.
struct TranscriptParseError: Error, Equatable, CustomStringConvertible {
  var line: Int
  var reason: String

  var description: String { "line \(line): \(reason)" }
}
