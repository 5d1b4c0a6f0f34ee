import KMeansPlot

/// A `CellGrid` as an SVG picture of the screen: a monospace layout on a dark terminal background, colours and
/// attributes as drawn, braille as dots, box drawing as lines and block elements as filled rectangles (so the
/// picture does not depend on the viewer's fonts for them).
public struct ScreenSVG: Sendable {
    /// Cell size in pixels.
    public var cellWidth = 9.0, cellHeight = 18.0
    /// The terminal's own foreground and background (what `TerminalColor.standard` means).
    public var defaultForeground = PlotColor(0xD0, 0xD0, 0xD0), defaultBackground = PlotColor(0x1C, 0x1C, 0x1C)

    /// Creates an exporter with the default cell size and colours.
    public init() {}

    /// The SVG document of `grid`.
    public func render(_ grid: CellGrid) -> String {
        var document = SVGDocument(width: Double(grid.width) * cellWidth, height: Double(grid.height) * cellHeight)
        document.rect(x: 0, y: 0, width: document.width, height: document.height, fill: defaultBackground.hex)
        for y in 0..<grid.height { drawBackgrounds(row: y, grid: grid, into: &document) }
        for y in 0..<grid.height { drawGlyphs(row: y, grid: grid, into: &document) }
        return document.rendered()
    }

    /// Foreground and background of a style after reverse video.
    func colors(_ style: CellStyle) -> (foreground: PlotColor, background: PlotColor) {
        let fg = TerminalRGB.resolve(style.foreground, default: defaultForeground)
        let bg = TerminalRGB.resolve(style.background, default: defaultBackground)
        return style.attributes.contains(.reverse) ? (bg, fg) : (fg, bg)
    }

    private func drawBackgrounds(row y: Int, grid: CellGrid, into document: inout SVGDocument) {
        var x = 0
        while x < grid.width {
            let background = colors(grid[x, y].style).background
            var end = x + 1
            while end < grid.width, colors(grid[end, y].style).background == background { end += 1 }
            if background != defaultBackground {
                document.rect(x: Double(x) * cellWidth, y: Double(y) * cellHeight, width: Double(end - x) * cellWidth,
                              height: cellHeight, fill: background.hex)
            }
            x = end
        }
    }

    private func drawGlyphs(row y: Int, grid: CellGrid, into document: inout SVGDocument) {
        var x = 0
        while x < grid.width {
            let cell = grid[x, y]
            let color = colors(cell.style).foreground.hex
            let left = Double(x) * cellWidth, top = Double(y) * cellHeight
            if GlyphShapes.isDrawn(cell.glyph) {
                GlyphShapes.draw(cell.glyph, x: left, y: top, width: cellWidth, height: cellHeight, color: color, into: &document)
                x += 1
                continue
            }
            if cell.glyph == " " { x += 1; continue }
            // A run of text glyphs in one style is one <text> stretched to its cells.
            var end = x + 1
            while end < grid.width, grid[end, y].style == cell.style, !GlyphShapes.isDrawn(grid[end, y].glyph) { end += 1 }
            while end > x + 1, grid[end - 1, y].glyph == " " { end -= 1 }
            var text = String.UnicodeScalarView()
            for column in x..<end { text.append(grid[column, y].glyph) }
            var extra = "xml:space=\"preserve\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"\(SVGDocument.number(cellHeight * 0.8))\" fill=\"\(color)\""
            extra += " textLength=\"\(SVGDocument.number(Double(end - x) * cellWidth))\" lengthAdjust=\"spacingAndGlyphs\""
            if cell.style.attributes.contains(.bold) { extra += " font-weight=\"bold\"" }
            if cell.style.attributes.contains(.dim) { extra += " fill-opacity=\"0.6\"" }
            if cell.style.attributes.contains(.underline) { extra += " text-decoration=\"underline\"" }
            document.text(String(text), x: left, y: top + cellHeight * 0.76, extra: extra)
            x = end
        }
    }
}

/// The RGB a terminal shows for each `TerminalColor` (xterm's default palette).
public enum TerminalRGB {
    /// xterm's sixteen system colours.
    static let system: [PlotColor] = [
        PlotColor(0, 0, 0), PlotColor(205, 0, 0), PlotColor(0, 205, 0), PlotColor(205, 205, 0),
        PlotColor(0, 0, 238), PlotColor(205, 0, 205), PlotColor(0, 205, 205), PlotColor(229, 229, 229),
        PlotColor(127, 127, 127), PlotColor(255, 0, 0), PlotColor(0, 255, 0), PlotColor(255, 255, 0),
        PlotColor(92, 92, 255), PlotColor(255, 0, 255), PlotColor(0, 255, 255), PlotColor(255, 255, 255),
    ]

    /// The colour `color` shows as; `.standard` is `fallback`.
    public static func resolve(_ color: TerminalColor, default fallback: PlotColor) -> PlotColor {
        switch color {
        case .standard: return fallback
        case let .rgb(r, g, b): return PlotColor(r, g, b)
        case let .indexed(index):
            if index < 16 { return system[Int(index)] }
            if index >= 232 {
                let level = UInt8(8 + 10 * (Int(index) - 232))
                return PlotColor(level, level, level)
            }
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let cube = Int(index) - 16
            return PlotColor(levels[cube / 36], levels[(cube / 6) % 6], levels[cube % 6])
        }
    }
}
