import Raft

/// A mistake in a script (unknown command, bad argument): the test fails at that line instead
/// of recording the mistake as expected output.
struct TranscriptScriptError: Error, CustomStringConvertible {
  var description: String

  init(_ description: String) { self.description = description }
}

/// Typed access to a command's arguments, rejecting options the command does not know.
struct TranscriptArguments {
  let command: TranscriptCommand
  let positional: [TranscriptArgument]
  private let options: [String: TranscriptArgument]

  init(_ command: TranscriptCommand, options known: [String] = []) throws(TranscriptScriptError) {
    self.command = command
    positional = command.arguments.filter { $0.key == nil }
    var options: [String: TranscriptArgument] = [:]
    for argument in command.arguments {
      guard let key = argument.key else { continue }
      guard known.contains(key) else {
        let allowed = known.isEmpty ? "none" : known.joined(separator: ", ")
        throw TranscriptScriptError("\(command.name) has no option '\(key)' (options: \(allowed))")
      }
      guard options[key] == nil else { throw TranscriptScriptError("option '\(key)' given twice") }
      options[key] = argument
    }
    self.options = options
  }

  func expectPositional(_ range: ClosedRange<Int>, usage: String) throws(TranscriptScriptError) {
    guard range.contains(positional.count) else {
      throw TranscriptScriptError("usage: \(command.name) \(usage)")
    }
  }

  func has(_ key: String) -> Bool { options[key] != nil }

  /// The single value of option `key`, or nil if it is absent.
  func value(_ key: String) throws(TranscriptScriptError) -> String? {
    guard let argument = options[key] else { return nil }
    guard !argument.isList, argument.values.count == 1 else {
      throw TranscriptScriptError("option '\(key)' takes one value, not a list")
    }
    return argument.values[0]
  }

  func int(_ key: String) throws(TranscriptScriptError) -> Int? {
    guard let text = try value(key) else { return nil }
    guard let number = Int(text) else { throw TranscriptScriptError("option '\(key)' needs a number, got '\(text)'") }
    return number
  }

  func bool(_ key: String) throws(TranscriptScriptError) -> Bool? {
    switch try value(key) {
    case nil: return nil
    case "true": return true
    case "false": return false
    case let other?: throw TranscriptScriptError("option '\(key)' needs true or false, got '\(other)'")
    }
  }

  /// The values of option `key` (one value or a list), or nil if it is absent.
  func list(_ key: String) -> [String]? { options[key]?.values }

  /// Node ids named by option `key` (`to=2` or `to=(2,3)`), or nil if it is absent.
  func nodeIDs(_ key: String) throws(TranscriptScriptError) -> [NodeID]? {
    guard let values = list(key) else { return nil }
    return try values.map(Self.nodeID)
  }

  /// Node ids named by every positional argument (`1 2` or `(1,2)`).
  func positionalNodeIDs() throws(TranscriptScriptError) -> [NodeID] {
    try positional.flatMap(\.values).map(Self.nodeID)
  }

  static func nodeID(_ text: String) throws(TranscriptScriptError) -> NodeID {
    guard let raw = UInt64(text), raw > 0 else { throw TranscriptScriptError("'\(text)' is not a node id") }
    return NodeID(raw)
  }

  static func int(_ text: String) throws(TranscriptScriptError) -> Int {
    guard let number = Int(text) else { throw TranscriptScriptError("'\(text)' is not a number") }
    return number
  }
}
