/// The settings overlay: every field with its draft value, the selected one highlighted, and the first problem.
public struct SettingsView: Sendable {
    /// Field labels and values, in order.
    public var fields: [(label: String, value: String)]
    /// Index of the selected field.
    public var selected: Int
    /// Why the draft cannot run, if it cannot.
    public var problem: String?
    /// Whether Unicode may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(fields: [(label: String, value: String)], selected: Int, problem: String?, unicode: Bool, palette: Palette) {
        self.fields = fields; self.selected = selected; self.problem = problem; self.unicode = unicode; self.palette = palette
    }

    /// Draws the box filling `area`.
    public func render(into grid: inout CellGrid, area b: Rect) {
        grid.fill(x: b.x, y: b.y, width: b.width, height: b.height, with: .blank)
        grid.box(x: b.x, y: b.y, width: b.width, height: b.height, title: "Settings (apply restarts)", style: CellStyle(foreground: palette.accent),
                 glyphs: unicode ? .unicode : .ascii)
        let visible = b.height - 4
        let first = max(0, min(selected - visible + 1, fields.count - visible))
        for (offset, field) in fields.enumerated().dropFirst(first).prefix(visible) {
            let y = b.y + 1 + offset - first
            let selectedRow = offset == selected
            let style = selectedRow ? CellStyle(attributes: [.reverse, .bold]) : .plain
            if selectedRow { grid.fill(x: b.x + 1, y: y, width: b.width - 2, height: 1, with: Cell(" ", style: style)) }
            grid.put(pad(field.label, 24, left: false), x: b.x + 2, y: y, style: selectedRow ? style : CellStyle(foreground: palette.muted))
            let arrows = selectedRow ? (unicode ? "◂ \(field.value) ▸" : "< \(field.value) >") : field.value
            grid.put(arrows, x: b.x + 26, y: y, style: style, maxWidth: b.width - 28)
        }
        let note = problem ?? "Enter applies and restarts · Esc cancels"
        grid.put(note, x: b.x + 2, y: b.y + b.height - 2, style: CellStyle(foreground: problem == nil ? palette.muted : palette.error), maxWidth: b.width - 4)
    }
}
