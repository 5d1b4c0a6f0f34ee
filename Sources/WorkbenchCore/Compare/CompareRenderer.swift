/// The compare screen: every run drawn by the one single-run renderer at its pane's size (the compact layout,
/// without side panel) and copied in under a title with its name, step and score; the shared score chart; the
/// verdict; the lockstep key bar.
extension Renderer {
    /// What the compare screen shows besides the runs.
    public struct CompareChrome: Sendable {
        /// The header's title after "kmeans workbench │" ("compare 2 runs", "lesson 3/12").
        public var title: String?
        /// Caption lines above the key bar (a lesson's).
        public var caption: [String] = []
        /// The key bar.
        public var keyBar: [(key: String, label: String)] = RunComparison.keyBarEntries

        /// Creates the chrome.
        public init(title: String? = nil, caption: [String] = [], keyBar: [(key: String, label: String)] = RunComparison.keyBarEntries) {
            self.title = title
            self.caption = caption
            self.keyBar = keyBar
        }
    }

    /// Renders `comparison` at its screen size.
    public func render(_ comparison: RunComparison, chrome: CompareChrome = CompareChrome()) -> CellGrid {
        let layout = CompareLayout(width: comparison.screenWidth, height: comparison.screenHeight, runCount: comparison.runs.count,
                                   captionRows: chrome.caption.count)
        var grid = CellGrid(width: layout.width, height: layout.height)
        let unicode = comparison.runs.first?.view.unicode ?? true
        guard layout.fits, let first = comparison.runs.first else {
            TooSmallView(width: layout.width, height: layout.height, unicode: unicode, palette: palette)
                .render(into: &grid, area: Rect(x: 0, y: 0, width: layout.width, height: layout.height))
            return grid
        }
        var header = HeaderView(session: first, checkpointStep: nil, palette: palette)
        header.dataName = (chrome.title ?? "compare \(comparison.runs.count) runs") + " │ " + header.dataName
        if comparison.isRunning { header.state = .running(speed: comparison.speed) } else if comparison.pendingHalfSteps > 0 { header.state = .computing }
        header.render(into: &grid, area: layout.header)

        let panes = layout.panes
        if panes.isEmpty {
            let area = layout.panesArea
            let text = "enlarge the terminal to compare \(comparison.runs.count) runs (each pane needs \(CompareLayout.minimumPane.width)×\(CompareLayout.minimumPane.height); now \(layout.width)×\(layout.height))"
            grid.put(ExplanationView.clipped(text, area.width - 2), x: area.x + 1, y: area.y + area.height / 2,
                     style: CellStyle(foreground: palette.warning, attributes: [.bold]))
        }
        for (run, pane) in zip(comparison.runs.indices, panes) {
            drawComparePane(&grid, run: run, of: comparison, in: pane)
        }
        ScoreChartView(series: comparison.scoreSeries, names: comparison.labels, unicode: unicode, palette: palette)
            .render(into: &grid, area: layout.chart)
        ExplanationView(message: nil, explanation: comparison.verdict, palette: palette).render(into: &grid, area: layout.verdict)
        for (row, line) in chrome.caption.enumerated() {
            grid.put(ExplanationView.clipped(" " + line, layout.width), x: 0, y: layout.caption.y + row, style: CellStyle(attributes: [.bold]))
        }
        KeyBarView(entries: chrome.keyBar, unicode: unicode).render(into: &grid, area: layout.keyBar)
        if !unicode { Renderer.asciify(&grid) }
        return grid
    }

    /// A renderer with these colours drawing through `cache`.
    init(palette: Palette, cache: RasterCache?) {
        self.palette = palette
        self.cache = cache
    }

    /// `session` as the single-run renderer draws it at the pane's size without side panel.
    public func renderPane(_ session: Session, pane: Rect) -> CellGrid {
        var shown = session
        let size = CompareLayout.sessionSize(for: pane)
        shown.resize(width: size.width, height: size.height)
        shown.view.sidePanel = false
        return render(shown)
    }

    private func drawComparePane(_ grid: inout CellGrid, run: Int, of comparison: RunComparison, in pane: Rect) {
        let session = comparison.runs[run]
        let paneRenderer = cache == nil ? self : Renderer(palette: palette, cache: comparison.paneCaches[run])
        let drawn = paneRenderer.renderPane(session, pane: pane)
        let scatter = Layout(width: drawn.width, height: drawn.height, sidePanel: false).pane
        for row in 0..<scatter.height {
            for column in 0..<scatter.width {
                grid[pane.x + column, pane.y + 1 + row] = drawn[scatter.x + column, scatter.y + row]
            }
        }
        let runStyle = CellStyle(foreground: ScoreChartView.colour(run, palette: palette), attributes: [.bold, .reverse])
        var x = grid.put(" \(ScoreChartView.mark(run)) ", x: pane.x, y: pane.y, style: runStyle)
        // The step and score stay whole; a long name is cut to make room.
        let status = Self.paneStatus(session)
        let room = pane.x + pane.width - x - status.unicodeScalars.count
        x = grid.put(ExplanationView.clipped(" " + comparison.labels[run], max(1, room)), x: x, y: pane.y, style: CellStyle(attributes: [.bold]))
        grid.put(status, x: x, y: pane.y, style: CellStyle(foreground: palette.muted), maxWidth: pane.x + pane.width - x)
    }

    /// " · step 3 · score 4766" (a mini-batch run's is its batch loss).
    static func paneStatus(_ session: Session) -> String {
        guard let frame = session.currentFrame else { return " · no run" }
        let score = session.statsUpToCursor.last.map { (session.settings.useMiniBatch ? " · b.loss " : " · score ") + formatCompact($0.score) } ?? ""
        return " · step \(frame.state.globalStep)" + score
    }
}
