/// A number in a short, fixed format: integers below 10⁶ as is, others with 4 significant digits.
public func formatCompact(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e6 || magnitude < 1e-3 { return exponentForm(value, digits: 2) }
    if magnitude >= 1000 { return fixed(value, 0) }
    if magnitude >= 100 { return fixed(value, 1) }
    if magnitude >= 10 { return fixed(value, 2) }
    return fixed(value, 3)
}

/// `value` (finite, not 0) as a mantissa with `digits` decimals and a power of ten: `7.99e6`, `2.9e-4`, `3e-4`.
func exponentForm(_ value: Double, digits: Int) -> String {
    var exponent = Int((log10Approx(abs(value))).rounded(.down))
    var mantissa = value / pow10(exponent)
    // Normalised as it will print: 9.996e6 rounds to "10.00" at two decimals, so it is 1.00e7.
    if abs(mantissa) < 1 { mantissa *= 10; exponent -= 1 }
    if abs(mantissa) >= 10 - 0.5 * pow10(-digits) { mantissa /= 10; exponent += 1 }
    return "\(fixed(mantissa, digits))e\(exponent)"
}

/// `value` with exactly `digits` decimals (no Foundation, no locale).
public func fixed(_ value: Double, _ digits: Int) -> String {
    let scale = pow10(digits)
    let scaled = (abs(value) * scale).rounded()
    let sign = value < 0 && scaled > 0 ? "-" : ""
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    guard digits > 0 else { return "\(sign)\(whole)" }
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return "\(sign)\(whole).\(fractionText)"
}

func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

func log10Approx(_ x: Double) -> Double {
    var e = 0.0, v = x
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    return e
}

/// `value` in at most `width` cells: `formatCompact` when it fits, else with a K/M/G/T suffix (`1.0M`), else in
/// exponent form, cut only as a last resort.
public func formatFitting(_ value: Double, width: Int) -> String {
    let compact = formatCompact(value)
    return fitting(compact, value, width: width)
}

/// A count in at most `width` cells: as is when it fits, else with a K/M/G/T suffix (`1.0M`).
public func formatFitting(count: Int, width: Int) -> String { fitting(String(count), Double(count), width: width) }

/// `countColumn`'s and `numberColumn`'s shared rule: `text` when it fits, else a suffixed form of `value`.
private func fitting(_ compact: String, _ value: Double, width: Int) -> String {
    if compact.unicodeScalars.count <= width || !value.isFinite { return compact }
    let suffixes: [(Double, String)] = [(1e3, "K"), (1e6, "M"), (1e9, "G"), (1e12, "T")]
    for (scale, suffix) in suffixes where abs(value) >= scale {
        for digits in [1, 0] {
            let scaled = value / scale
            guard abs(scaled) < 1000 || scale == 1e12 else { break }
            let text = fixed(scaled, digits) + suffix
            if text.unicodeScalars.count <= width, abs(scaled) < 999.95 { return text }
        }
    }
    if value != 0 {
        for digits in [1, 0] {
            let text = exponentForm(value, digits: digits)
            if text.unicodeScalars.count <= width { return text }
        }
    }
    return String(String.UnicodeScalarView(compact.unicodeScalars.prefix(max(0, width))))
}

/// `formatFitting` right-aligned in a column of `width` cells that always keeps one space before the number.
public func numberColumn(_ value: Double, _ width: Int) -> String { pad(formatFitting(value, width: width - 1), width) }

/// `formatFitting(count:)` right-aligned in a column of `width` cells that always keeps one space before it.
public func countColumn(_ count: Int, _ width: Int) -> String { pad(formatFitting(count: count, width: width - 1), width) }
