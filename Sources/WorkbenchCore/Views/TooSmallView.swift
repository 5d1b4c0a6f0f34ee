/// The "terminal too small" pane: what the size is, what is needed, and that only quitting works.
public struct TooSmallView: Sendable {
    /// The screen's size in cells.
    public var width: Int, height: Int
    /// Whether Unicode may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(width: Int, height: Int, unicode: Bool, palette: Palette) {
        self.width = width; self.height = height; self.unicode = unicode; self.palette = palette
    }

    /// Draws the message centred in `area`.
    public func render(into grid: inout CellGrid, area: Rect) {
        let lines = [
            "Terminal too small",
            "\(width)×\(height), need \(Layout.minimumWidth)×\(Layout.minimumHeight)",
            "Enlarge the window,",
            "or press q to quit.",
        ].map { unicode ? $0 : $0.replacingScalar("×", with: "x") }
        let top = area.y + max(0, (area.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let x = area.x + max(0, (area.width - line.unicodeScalars.count) / 2)
            grid.put(line, x: x, y: top + i, style: CellStyle(foreground: i == 0 ? palette.warning : .standard, attributes: i == 0 ? .bold : []))
        }
    }
}
