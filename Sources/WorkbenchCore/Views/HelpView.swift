/// The `?` help overlay: the keymap's help lines in a scrolled box.
public struct HelpView: Sendable {
    /// Lines scrolled past.
    public var scroll: Int
    /// Whether Unicode may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(scroll: Int, unicode: Bool, palette: Palette) {
        self.scroll = scroll; self.unicode = unicode; self.palette = palette
    }

    /// Draws the box filling `area`.
    public func render(into grid: inout CellGrid, area b: Rect) {
        grid.fill(x: b.x, y: b.y, width: b.width, height: b.height, with: .blank)
        grid.box(x: b.x, y: b.y, width: b.width, height: b.height, title: "Help: keys", style: CellStyle(foreground: palette.accent),
                 glyphs: unicode ? .unicode : .ascii)
        let lines = Keymap.helpLines()
        let visible = b.height - 3
        let first = min(scroll, max(0, lines.count - visible))
        for (i, line) in lines.dropFirst(first).prefix(visible).enumerated() {
            let isHeading = !line.hasPrefix(" ")
            let text = unicode ? line : line.replacingScalar("↑", with: "^").replacingScalar("↓", with: "v").replacingScalar("←", with: "<").replacingScalar("→", with: ">")
            grid.put(text, x: b.x + 2, y: b.y + 1 + i, style: isHeading ? CellStyle(foreground: palette.accent, attributes: [.bold]) : .plain, maxWidth: b.width - 4)
        }
        let footer = "lines \(first + 1)–\(min(lines.count, first + visible)) of \(lines.count) · ↑↓ scroll · Esc close"
        grid.put(unicode ? footer : footer.replacingScalar("–", with: "-").replacingScalar("·", with: "|").replacingScalar("↑", with: "^").replacingScalar("↓", with: "v"),
                 x: b.x + 2, y: b.y + b.height - 2, style: CellStyle(foreground: palette.muted), maxWidth: b.width - 4)
    }
}
