import ArgumentParser

/// Output options every subcommand shares.
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print one JSON object per result line instead of a table.")
  var json = false

  func makeReporter() -> ResultReporter { ResultReporter(format: json ? .jsonLines : .table) }
}
