/// Axis ticks at round values (1, 2 or 5 times a power of ten) and their labels.
public struct NiceTicks: Sendable, Equatable {
    /// The tick values, ascending, all inside the range asked for.
    public let values: [Double]
    /// The labels, one per value, with as many decimals as the step needs.
    public let labels: [String]

    /// About `target` ticks covering `lower…upper`.
    public init(lower: Double, upper: Double, target: Int = 6) {
        guard lower.isFinite, upper.isFinite, upper > lower else {
            values = lower.isFinite ? [lower] : []
            labels = values.map { NiceTicks.label($0, exponent: 0) }
            return
        }
        let raw = (upper - lower) / Double(max(1, target))
        var exponent = 0
        var power = 1.0
        while power * 10 <= raw { power *= 10; exponent += 1 }
        while power > raw { power /= 10; exponent -= 1 }
        let fraction = raw / power
        let multiple: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        if multiple == 10 { exponent += 1 }
        let step = multiple == 10 ? power * 10 : power * multiple
        let first = (lower / step).rounded(.up), last = (upper / step).rounded(.down)
        var values: [Double] = []
        var index = first
        while index <= last && values.count < 100 {
            values.append(index * step)
            index += 1
        }
        self.values = values
        labels = values.map { NiceTicks.label($0, exponent: exponent) }
    }

    /// `value` written with the decimals a step of 10^`exponent` needs; exponent notation beyond 10^6 or below 10^-4.
    static func label(_ value: Double, exponent: Int) -> String {
        if value == 0 { return "0" }
        if exponent >= 6 || exponent <= -5 {
            var e = 0
            var mantissa = value.magnitude
            while mantissa >= 10 { mantissa /= 10; e += 1 }
            while mantissa < 1 { mantissa *= 10; e -= 1 }
            let tenths = Int((mantissa * 10).rounded())
            let text = tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
            return (value < 0 ? "−" : "") + text + "e\(e)"
        }
        let decimals = max(0, -exponent)
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = Int((value.magnitude * scale).rounded())
        var digits = String(units)
        if decimals > 0 {
            while digits.count <= decimals { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (value < 0 ? "−" : "") + digits
    }
}
