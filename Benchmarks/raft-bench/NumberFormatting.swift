/// Number formatting for tables and JSON without Foundation.
enum NumberFormatting {
  /// `value` with thousands separators: 1234567 -> "1,234,567".
  static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (position, digit) in digits.enumerated() {
      if position > 0 && (digits.count - position) % 3 == 0 { result.append(",") }
      result.append(digit)
    }
    return value < 0 ? "-" + result : result
  }

  /// `value` rounded to `decimals` digits after the point, never in exponent notation.
  static func fixed(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value.magnitude * scale).rounded()
    guard scaled < 9e18 else { return String(value) }
    let units = UInt64(scaled)
    let whole = units / UInt64(scale)
    var text = String(whole)
    if decimals > 0 {
      let fraction = String(units % UInt64(scale))
      text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return value < 0 && units != 0 ? "-" + text : text
  }
}
