/// One measured configuration, in the shape every subcommand reports.
struct BenchmarkResult {
  /// A parameter value of the configuration that was measured.
  enum Parameter {
    case integer(Int)
    case text(String)
  }

  /// A measured figure beyond the three every benchmark has.
  struct Metric {
    /// The JSON key, snake_case.
    var key: String
    /// The table column header.
    var label: String
    /// nil when the figure could not be measured on this machine.
    var value: Double?
    /// Digits after the decimal point in the table; 0 prints the integer with thousands separators.
    var decimals: Int
  }

  /// The subcommand's name: "engine", "storage", "node".
  var bench: String
  /// In the order they should appear.
  var parameters: [(name: String, value: Parameter)]
  var operationsPerSecond: Double
  var p50Microseconds: Double
  var p99Microseconds: Double
  var metrics: [Metric] = []
}
