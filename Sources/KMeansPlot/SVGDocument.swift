/// An sRGB colour for SVG output.
public struct PlotColor: Sendable, Hashable {
    /// Red, green and blue, 0–255.
    public var red: UInt8, green: UInt8, blue: UInt8

    /// Creates a colour.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The colour as `#rrggbb`.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var out = "#"
        for byte in [red, green, blue] {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }
}

/// A standalone SVG document built element by element (the one SVG writer of the package).
public struct SVGDocument: Sendable {
    /// Width and height in CSS pixels.
    public let width: Double, height: Double
    private var body: [String] = []

    /// Starts an empty document of `width × height` pixels.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Appends a rectangle.
    public mutating func rect(x: Double, y: Double, width w: Double, height h: Double, fill: String, extra: String = "") {
        body.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(w))\" height=\"\(Self.number(h))\" fill=\"\(fill)\"\(Self.attributes(extra))/>")
    }

    /// Appends a circle.
    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, extra: String = "") {
        body.append("<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\"\(Self.attributes(extra))/>")
    }

    /// Appends a straight line.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width strokeWidth: Double, extra: String = "") {
        body.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(strokeWidth))\"\(Self.attributes(extra))/>")
    }

    /// Appends an open polyline (`closed`: a polygon) through `points`.
    public mutating func path(_ points: [(x: Double, y: Double)], closed: Bool, extra: String) {
        guard points.count >= 2 else { return }
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        body.append("<\(closed ? "polygon" : "polyline") points=\"\(list)\"\(Self.attributes(extra))/>")
    }

    /// Appends text; `text` is escaped.
    public mutating func text(_ text: String, x: Double, y: Double, extra: String = "") {
        body.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\"\(Self.attributes(extra))>\(Self.escaped(text))</text>")
    }

    /// Appends raw markup (already valid SVG).
    public mutating func raw(_ markup: String) { body.append(markup) }

    /// The finished document.
    public func rendered() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">\n"
        for element in body { out += element + "\n" }
        return out + "</svg>\n"
    }

    /// `text` with XML's special characters escaped and control characters dropped.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || (0xFFFE...0xFFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no exponent.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = Int((min(max(value, -1e12), 1e12) * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let whole = magnitude / 100, fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func attributes(_ extra: String) -> String { extra.isEmpty ? "" : " " + extra }
}
