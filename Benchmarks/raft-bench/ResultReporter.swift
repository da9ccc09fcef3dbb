/// Prints benchmark results as a readable table or as JSON lines.
///
/// JSON lines are printed as each result arrives (so a long matrix can be piped and watched);
/// the table waits for every row so that its columns line up.
struct ResultReporter {
  enum Format {
    case table
    case jsonLines
  }

  let format: Format
  private var rows: [BenchmarkResult] = []

  init(format: Format) { self.format = format }

  mutating func report(_ result: BenchmarkResult) {
    switch format {
    case .jsonLines: print(Self.jsonLine(result))
    case .table: rows.append(result)
    }
  }

  /// Prints the table (nothing for JSON lines, which are already out).
  func finish() {
    guard format == .table, let first = rows.first else { return }
    var header = first.parameters.map(\.name)
    header += ["ops/s", "p50 µs", "p99 µs"]
    header += first.metrics.map(\.label)
    let cells = rows.map(Self.tableCells)
    print(TextTable(header: header, rows: cells).rendered)
  }

  private static func tableCells(_ result: BenchmarkResult) -> [String] {
    var cells = result.parameters.map { parameter in
      switch parameter.value {
      case .integer(let value): NumberFormatting.grouped(value)
      case .text(let value): value
      }
    }
    cells.append(NumberFormatting.grouped(Int(result.operationsPerSecond.rounded())))
    cells.append(NumberFormatting.fixed(result.p50Microseconds, decimals: 1))
    cells.append(NumberFormatting.fixed(result.p99Microseconds, decimals: 1))
    cells += result.metrics.map { metric in
      guard let value = metric.value else { return "n/a" }
      return metric.decimals == 0
        ? NumberFormatting.grouped(Int(value.rounded())) : NumberFormatting.fixed(value, decimals: metric.decimals)
    }
    return cells
  }

  static func jsonLine(_ result: BenchmarkResult) -> String {
    let parameters = result.parameters.map { parameter in
      let value =
        switch parameter.value {
        case .integer(let value): String(value)
        case .text(let value): JSON.string(value)
        }
      return "\(JSON.string(parameter.name)):\(value)"
    }
    var fields = [
      "\"bench\":\(JSON.string(result.bench))",
      "\"params\":{\(parameters.joined(separator: ","))}",
      "\"ops_per_sec\":\(JSON.number(result.operationsPerSecond, decimals: 1))",
      "\"p50_us\":\(JSON.number(result.p50Microseconds, decimals: 3))",
      "\"p99_us\":\(JSON.number(result.p99Microseconds, decimals: 3))",
    ]
    fields += result.metrics.map { metric in
      "\(JSON.string(metric.key)):\(metric.value.map { JSON.number($0, decimals: 4) } ?? "null")"
    }
    return "{\(fields.joined(separator: ","))}"
  }
}

/// The little JSON the reporter writes, without Foundation.
enum JSON {
  static func string(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }

  /// A finite number in plain decimal notation; JSON has no NaN or infinity, so those are null.
  static func number(_ value: Double, decimals: Int) -> String {
    value.isFinite ? NumberFormatting.fixed(value, decimals: decimals) : "null"
  }
}
