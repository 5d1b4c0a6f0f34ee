import KMeansCore
import KMeansEstimator

/// The k sweep overlay: the set-up line (K, restarts), the progress or outcome, the chart (`SweepChartView`),
/// the row under the cursor and what Enter does.
public struct SweepView: Sendable {
    /// The overlay's state.
    public var sweep: SweepOverlay
    /// Whether Unicode may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(sweep: SweepOverlay, unicode: Bool, palette: Palette) {
        self.sweep = sweep; self.unicode = unicode; self.palette = palette
    }

    /// The overlay's box on a screen laid out as `layout`: everything between the header and the explanation line.
    public static func box(_ layout: Layout) -> Rect {
        Rect(x: 0, y: 1, width: layout.width, height: layout.height - 3)
    }

    /// Draws the box filling `area`.
    public func render(into grid: inout CellGrid, area b: Rect) {
        grid.fill(x: b.x, y: b.y, width: b.width, height: b.height, with: .blank)
        let range = sweep.chartRange
        grid.box(x: b.x, y: b.y, width: b.width, height: b.height, title: "Choose k: sweep k = \(range.lowerBound)…\(range.upperBound)",
                 style: CellStyle(foreground: palette.accent), glyphs: unicode ? .unicode : .ascii)
        let inner = b.width - 4
        drawSetup(&grid, x: b.x + 2, y: b.y + 1, width: inner)
        let state = stateLine
        grid.put(state.text, x: b.x + 2, y: b.y + 2, style: state.style, maxWidth: inner)
        SweepChartView(ks: range, rows: sweep.snapshot.rows, cursorK: sweep.cursorK, unicode: unicode, palette: palette)
            .render(into: &grid, area: Rect(x: b.x + 2, y: b.y + 3, width: inner, height: b.height - 6))
        grid.put(readout, x: b.x + 2, y: b.y + b.height - 3, style: CellStyle(attributes: .bold), maxWidth: inner)
        grid.put(hint, x: b.x + 2, y: b.y + b.height - 2, style: CellStyle(foreground: palette.muted), maxWidth: inner)
    }

    /// K and restarts (the selected one reversed while setting up), then the settings the sweep trains with.
    private func drawSetup(_ grid: inout CellGrid, x: Int, y: Int, width: Int) {
        let setup = sweep.run == nil
        func field(_ label: String, _ value: Int, _ which: SweepOverlay.Field, at column: Int) -> Int {
            let next = grid.put(label + " ", x: column, y: y, style: CellStyle(foreground: palette.muted), maxWidth: x + width - column)
            let selected = setup && sweep.field == which
            let text = selected ? (unicode ? "◂ \(value) ▸" : "< \(value) >") : "\(value)"
            return grid.put(text, x: next, y: y, style: selected ? CellStyle(attributes: [.reverse, .bold]) : .plain,
                            maxWidth: max(0, x + width - next))
        }
        var column = field("K (largest k)", sweep.largestK, .largestK, at: x)
        column = field("   restarts", sweep.restarts, .restarts, at: column)
        grid.put("   " + trainingDescription, x: column, y: y, style: CellStyle(foreground: palette.muted), maxWidth: max(0, x + width - column))
    }

    /// The settings every restart trains with.
    var trainingDescription: String {
        let s = sweep.configuration.settings
        let initial = sweep.configuration.initialClusters.name == "random" ? "random" : "k-means++"
        let mode = s.useMiniBatch ? "mini-batch (whole data per step)" : "full batch"
        return "\(initial) · \(s.metric.label) · \(mode)" + (s.standardize ? " · z-scores" : "") + " · seeds \(s.seed)+r"
    }

    /// The progress, the outcome, or the set-up problem, and its style.
    var stateLine: (text: String, style: CellStyle) {
        let snapshot = sweep.snapshot
        let total = sweep.chartRange.count
        switch sweep.phase {
        case .setup:
            if let problem = sweep.problem { return (problem, CellStyle(foreground: palette.error, attributes: .bold)) }
            return ("Enter starts: \(total * sweep.restarts) trainings in the background (Esc cancels)", .plain)
        case .running:
            guard let p = snapshot.progress else { return ("starting…", .plain) }
            let bar = progressBar(p.fraction, width: 20)
            return ("k \(p.k)/\(sweep.chartRange.upperBound), restart \(p.restart + 1)/\(sweep.run?.sweep.restarts ?? sweep.restarts) · step \(p.step) "
                    + "\(bar) \(Int(p.fraction * 100))%", CellStyle(foreground: palette.accent))
        case .cancelling: return ("cancelling…", CellStyle(foreground: palette.warning, attributes: .bold))
        case .ended(.finished):
            let seconds = snapshot.rows.reduce(0) { $0 + $1.seconds }
            return ("finished: \(snapshot.rows.count) values of k in \(formatSeconds(seconds))", CellStyle(foreground: palette.good))
        case .ended(.cancelled):
            return ("cancelled after \(snapshot.rows.count) of \(total) values of k (their rows are kept)",
                    CellStyle(foreground: palette.warning, attributes: .bold))
        case let .ended(.failed(reason)): return ("sweep failed: \(reason)", CellStyle(foreground: palette.error, attributes: .bold))
        }
    }

    /// The row under the cursor.
    var readout: String {
        guard let row = sweep.cursorRow else {
            return sweep.run == nil ? "" : "k \(sweep.cursorK): no row yet"
        }
        let silhouette = row.silhouette.map { fixed($0.score, 3) } ?? "–"
        return "k \(row.k): score \(formatCompact(Double(row.score))) · silhouette \(silhouette) · \(row.iterations) steps · "
            + "\(formatSeconds(row.seconds)) · best seed \(row.seed)"
    }

    /// What the keys do now.
    var hint: String {
        switch sweep.phase {
        case .setup: "←/→ change · ↑/↓ field · 0–9 type · Enter start · Esc close"
        case .running, .cancelling: "←/→ cursor · Enter restarts the run with k \(sweep.cursorK) (stops the sweep) · Esc cancel"
        case .ended: "←/→ cursor · Enter restarts the run with k \(sweep.cursorK) · ↑/↓ new sweep · Esc close"
        }
    }

    private func progressBar(_ fraction: Double, width: Int) -> String {
        let filled = min(width, max(0, Int((fraction * Double(width)).rounded(.down))))
        return String(repeating: unicode ? "█" : "#", count: filled) + String(repeating: unicode ? "·" : ".", count: width - filled)
    }

    /// The key bar's entries while the overlay is open.
    static func keyBarEntries(_ sweep: SweepOverlay?) -> [(key: String, label: String)] {
        switch sweep?.phase ?? .setup {
        case .setup: [("←→", "change"), ("↑↓", "field"), ("0-9", "type"), ("Enter", "start"), ("Esc", "close"), ("q", "quit")]
        case .running, .cancelling: [("←→", "cursor"), ("Enter", "use k"), ("Esc", "cancel"), ("q", "quit")]
        case .ended: [("←→", "cursor"), ("Enter", "use k"), ("↑↓", "new sweep"), ("Esc", "close"), ("q", "quit")]
        }
    }
}

extension Renderer {
    /// Draws the sweep overlay over the screen.
    func drawSweep(_ grid: inout CellGrid, sweep: SweepOverlay, session: Session, layout: Layout) {
        SweepView(sweep: sweep, unicode: session.view.unicode, palette: palette).render(into: &grid, area: SweepView.box(layout))
    }
}

/// Seconds as "0.42 s" / "12.3 s" / "3 min 5 s".
func formatSeconds(_ seconds: Double) -> String {
    if seconds < 10 { return fixed(seconds, 2) + " s" }
    if seconds < 60 { return fixed(seconds, 1) + " s" }
    let whole = Int(seconds.rounded())
    return "\(whole / 60) min \(whole % 60) s"
}
