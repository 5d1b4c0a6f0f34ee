import KMeansCore

/// The checkpoint panel: the model_dir's checkpoints with their scores, the view's toggles, and under the list the
/// loss chart or the selected checkpoint's variables (`Tab`).
public struct CheckpointPanelView: Sendable {
    /// One checkpoint of the list.
    public struct Row: Sendable, Equatable {
        /// Its global step.
        public var step: Int
        /// Its score on the data, if the centres fit.
        public var score: Double?
        /// Its number of centres.
        public var k: Int

        /// Creates a row.
        public init(step: Int, score: Double?, k: Int) {
            self.step = step
            self.score = score
            self.k = k
        }
    }

    /// The model_dir's name, or why there are no checkpoints.
    public var origin: String
    /// The checkpoints, oldest first.
    public var rows: [Row]
    /// The selected row.
    public var selected: Int
    /// Auto-jump, digits and content.
    public var display: CheckpointDisplay
    /// The loss chart (drawn when `display.content` is `.lossChart`).
    public var chart: LossChartView
    /// The selected checkpoint's variables (drawn when `display.content` is `.variables`).
    public var variables: CheckpointVariablesView?
    /// Whether Unicode glyphs may be drawn.
    public var unicode: Bool
    /// Colours for the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(origin: String, rows: [Row], selected: Int, display: CheckpointDisplay, chart: LossChartView,
                variables: CheckpointVariablesView?, unicode: Bool, palette: Palette) {
        self.origin = origin
        self.rows = rows
        self.selected = selected
        self.display = display
        self.chart = chart
        self.variables = variables
        self.unicode = unicode
        self.palette = palette
    }

    /// The panel of `session`'s checkpoint view on entry `selected`.
    init(session: Session, selected: Int, palette: Palette) {
        let browser = session.checkpointBrowser
        let entries = browser.entries
        let rows = entries.indices.map { Row(step: entries[$0].step, score: $0 < browser.scores.count ? browser.scores[$0] : nil, k: entries[$0].centers.rows) }
        let entry = entries.indices.contains(selected) ? entries[selected] : nil
        let chart = LossChartView(series: LossChartView.series(from: browser.scalars), checkpointSteps: entries.map(\.step),
                                  selectedStep: entry?.step, unicode: session.view.unicode, palette: palette)
        let variables = entry.map {
            CheckpointVariablesView(centers: $0.centers, counts: $0.state?.clusterCounts, columnNames: session.dataSet.columnNames,
                                    variables: $0.variables, fullPrecision: browser.display.fullPrecision, palette: palette)
        }
        self.init(origin: session.checkpointOrigin, rows: rows, selected: selected, display: browser.display, chart: chart,
                  variables: variables, unicode: session.view.unicode, palette: palette)
    }

    /// Draws the panel (a box) filling `area`.
    public func render(into grid: inout CellGrid, area: Rect) {
        let glyphs: BoxGlyphs = unicode ? .unicode : .ascii
        grid.box(x: area.x, y: area.y, width: area.width, height: area.height, title: "Checkpoints", style: CellStyle(foreground: palette.warning), glyphs: glyphs)
        let x = area.x + 2, w = area.width - 4, bottom = area.y + area.height - 1
        let muted = CellStyle(foreground: palette.muted)
        var y = area.y + 1
        grid.put(origin, x: x, y: y, style: muted, maxWidth: w); y += 1
        let toggles = "auto-jump \(display.autoJump ? "on" : "off") [a]  digits \(display.fullPrecision ? "full" : "short") [x]"
        grid.put(toggles, x: x, y: y, style: CellStyle(foreground: display.autoJump ? palette.good : palette.muted), maxWidth: w); y += 1
        let scoreWidth = display.fullPrecision ? 16 : 12
        grid.put(pad("step", 8) + pad("score", scoreWidth) + "  k", x: x, y: y, style: muted, maxWidth: w); y += 1
        let available = bottom - y
        let listRows = available >= 10 ? min(max(1, rows.count), max(3, available / 3)) : available
        let first = max(0, min(selected - listRows / 2, rows.count - listRows))
        for index in first..<min(rows.count, first + max(0, listRows)) {
            let row = rows[index]
            let score = row.score.map { display.fullPrecision ? formatFull($0) : formatCompact($0) } ?? "n/a"
            let style = index == selected ? CellStyle(attributes: [.reverse, .bold]) : .plain
            if index == selected { grid.fill(x: x - 1, y: y + index - first, width: w + 2, height: 1, with: Cell(" ", style: style)) }
            grid.put(pad(String(row.step), 8) + pad(score, scoreWidth) + "  \(row.k)", x: x, y: y + index - first, style: style, maxWidth: w)
        }
        y += listRows
        let contentRows = bottom - y - 1
        guard contentRows >= 3 else { return }
        let title = display.content == .lossChart ? "loss · Tab: variables" : "variables · Tab: loss"
        grid.fill(x: area.x + 1, y: y, width: area.width - 2, height: 1, with: Cell(glyphs.horizontal, style: muted))
        grid.put(" \(unicode ? title : title.replacingScalar("·", with: "-")) ", x: x, y: y, style: muted, maxWidth: w)
        let content = Rect(x: x, y: y + 1, width: w, height: contentRows)
        switch display.content {
        case .lossChart: chart.render(into: &grid, area: content)
        case .variables: variables?.render(into: &grid, area: content)
        }
    }
}

extension Renderer {
    func drawCheckpointPanel(_ grid: inout CellGrid, session: Session, layout: Layout) {
        guard case let .checkpoints(selected) = session.overlay else { return }
        CheckpointPanelView(session: session, selected: selected, palette: palette).render(into: &grid, area: layout.side)
    }
}
