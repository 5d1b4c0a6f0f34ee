/// The line above the key bar: the status message if there is one, else the explanation of the next half-step.
public struct ExplanationView: Sendable {
    /// The status line, shown in place of the explanation.
    public var message: String?
    /// The explanation, or nil when it is switched off.
    public var explanation: String?
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(message: String?, explanation: String?, palette: Palette) {
        self.message = message; self.explanation = explanation; self.palette = palette
    }

    /// Draws the line on the first row of `area`; text too long for it ends in "…".
    public func render(into grid: inout CellGrid, area: Rect) {
        if let message {
            grid.put(Self.clipped(" " + message, area.width), x: area.x, y: area.y, style: CellStyle(foreground: palette.warning, attributes: [.bold]))
        } else if let explanation {
            grid.put(Self.clipped(" " + explanation, area.width), x: area.x, y: area.y, style: CellStyle(foreground: palette.accent))
        }
    }

    /// `text` cut to `width` cells, ending in "…" when cut.
    static func clipped(_ text: String, _ width: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > width, width > 0 else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(width - 1))) + "…"
    }
}
