import KMeansPlot

/// The glyphs the screen picture draws as shapes instead of text: braille (dots), light box drawing (lines) and
/// block elements (rectangles), and the status markers ▶ ⏸ ⧗ (which common monospace fonts lack).
enum GlyphShapes {
    /// Box-drawing arms: up, right, down, left.
    private static let arms: [Unicode.Scalar: (up: Bool, right: Bool, down: Bool, left: Bool)] = [
        "─": (false, true, false, true), "│": (true, false, true, false),
        "┌": (false, true, true, false), "┐": (false, false, true, true),
        "└": (true, true, false, false), "┘": (true, false, false, true),
        "├": (true, true, true, false), "┤": (true, false, true, true),
        "┬": (false, true, true, true), "┴": (true, true, false, true), "┼": (true, true, true, true),
    ]

    /// Whether `glyph` is drawn as a shape.
    static func isDrawn(_ glyph: Unicode.Scalar) -> Bool {
        isBraille(glyph) || arms[glyph] != nil || block(glyph) != nil || markers.contains(glyph)
    }

    /// Status markers drawn as polygons.
    private static let markers: Set<Unicode.Scalar> = ["▶", "⏸", "⧗"]

    static func isBraille(_ glyph: Unicode.Scalar) -> Bool { (0x2801...0x28FF).contains(glyph.value) }

    /// The filled part of a block element as fractions of the cell (x, y, width, height).
    static func block(_ glyph: Unicode.Scalar) -> (Double, Double, Double, Double)? {
        switch glyph.value {
        case 0x2580: return (0, 0, 1, 0.5)                     // ▀
        case 0x2581...0x2588:                                   // ▁ … █, lower eighths
            let eighths = Double(glyph.value - 0x2580)
            return (0, 1 - eighths / 8, 1, eighths / 8)
        case 0x258C: return (0, 0, 0.5, 1)                      // ▌
        case 0x2590: return (0.5, 0, 0.5, 1)                    // ▐
        default: return nil
        }
    }

    /// Draws `glyph` in the cell at `(x, y)`.
    static func draw(_ glyph: Unicode.Scalar, x: Double, y: Double, width: Double, height: Double, color: String,
                     into document: inout SVGDocument) {
        if isBraille(glyph) {
            // Dots 1–3 and 7 down the left column, 4–6 and 8 down the right (bits 0–2, 6 and 3–5, 7).
            let bits = glyph.value - 0x2800
            let positions: [(column: Int, row: Int)] = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)]
            let radius = min(width / 2, height / 4) * 0.38
            for (bit, position) in positions.enumerated() where bits & (1 << UInt32(bit)) != 0 {
                document.circle(x: x + (Double(position.column) + 0.5) * width / 2,
                                y: y + (Double(position.row) + 0.5) * height / 4, radius: radius, fill: color)
            }
        } else if let arm = arms[glyph] {
            let cx = x + width / 2, cy = y + height / 2
            if arm.up { document.line(x1: cx, y1: y, x2: cx, y2: cy, stroke: color, width: 1.2) }
            if arm.down { document.line(x1: cx, y1: cy, x2: cx, y2: y + height, stroke: color, width: 1.2) }
            if arm.left { document.line(x1: x, y1: cy, x2: cx, y2: cy, stroke: color, width: 1.2) }
            if arm.right { document.line(x1: cx, y1: cy, x2: x + width, y2: cy, stroke: color, width: 1.2) }
        } else if let (bx, by, bw, bh) = block(glyph) {
            document.rect(x: x + bx * width, y: y + by * height, width: bw * width, height: bh * height, fill: color)
        } else if glyph == "⏸" {
            document.rect(x: x + width * 0.15, y: y + height * 0.25, width: width * 0.25, height: height * 0.5, fill: color)
            document.rect(x: x + width * 0.6, y: y + height * 0.25, width: width * 0.25, height: height * 0.5, fill: color)
        } else {
            let top = y + height * 0.25, bottom = y + height * 0.75, middle = y + height / 2
            let corners: [(x: Double, y: Double)] = glyph == "▶"
                ? [(x + width * 0.15, top), (x + width * 0.9, middle), (x + width * 0.15, bottom)]
                : [(x + width * 0.1, top), (x + width * 0.9, top), (x + width * 0.1, bottom), (x + width * 0.9, bottom)]
            document.path(corners, closed: true, extra: "fill=\"\(color)\"")
        }
    }
}
