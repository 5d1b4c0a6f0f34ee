import KMeansCore

/// The side panel: run settings, cluster legend, iteration table and sparklines.
public struct SidePanelView: Sendable {
    /// What the panel is about.
    public enum Content: Sendable {
        /// No run: why (the status line, or "no run").
        case noRun(reason: String)
        /// Centres being placed by hand: the plane positions placed so far.
        case placing(placed: [(x: Float, y: Float)])
        /// A run, at the frame on screen.
        case run(Run)
    }

    /// The frame on screen and the history up to it, as the panel shows them.
    public struct Run: Sendable {
        /// Global step of the frame.
        public var step: Int64
        /// The half-step that comes next.
        public var nextPhase: Frame.Phase
        /// 1-based position of the frame in the history, and the history's length.
        public var position: Int, count: Int
        /// Whether the frame is an older one (replay) rather than the latest.
        public var replaying: Bool
        /// Points per cluster.
        public var clusterSizes: [Int]
        /// Mini-batch counts per cluster (TF's `cluster_counts`), if the state has them.
        public var clusterCounts: [Int64]?
        /// Steps until the next synchronous update (mini-batch, M > 1).
        public var updateInSteps: Int64?
        /// Statistics of every iteration up to the frame.
        public var stats: [IterationStats]

        /// Creates the run summary.
        public init(step: Int64, nextPhase: Frame.Phase, position: Int, count: Int, replaying: Bool, clusterSizes: [Int],
                    clusterCounts: [Int64]? = nil, updateInSteps: Int64? = nil, stats: [IterationStats]) {
            self.step = step; self.nextPhase = nextPhase; self.position = position; self.count = count; self.replaying = replaying
            self.clusterSizes = clusterSizes; self.clusterCounts = clusterCounts; self.updateInSteps = updateInSteps; self.stats = stats
        }
    }

    /// The run's settings.
    public var settings: WorkbenchSettings
    /// What the panel is about.
    public var content: Content
    /// How points are drawn (as the scatter draws them).
    public var marker: MarkerMode
    /// Number of data points (which decides large markers and density shading).
    public var pointCount: Int
    /// Whether Voronoi shading is on.
    public var voronoi: Bool
    /// Whether Unicode glyphs may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette
    /// How the clusters agree with the data's truth column, shown at the bottom (nil: no truth column).
    public var agreement: Agreement?
    /// Whether the points are coloured by the truth column (`g`).
    public var coloredByTruth: Bool

    /// Creates the view.
    public init(settings: WorkbenchSettings, content: Content, marker: MarkerMode, pointCount: Int, voronoi: Bool, unicode: Bool, palette: Palette,
                agreement: Agreement? = nil, coloredByTruth: Bool = false) {
        self.settings = settings; self.content = content; self.marker = marker; self.pointCount = pointCount
        self.voronoi = voronoi; self.unicode = unicode; self.palette = palette
        self.agreement = agreement; self.coloredByTruth = coloredByTruth
    }

    /// The side panel of `session` (the truth agreement from the labels kept in `cache`).
    init(session: Session, palette: Palette, cache: RasterCache?) {
        let content: Content
        if let frame = session.currentFrame {
            content = .run(Run(step: frame.state.globalStep, nextPhase: frame.nextPhase, position: session.cursor + 1, count: session.frames.count,
                               replaying: !session.atLatest, clusterSizes: frame.clusterSizes, clusterCounts: frame.state.clusterCounts,
                               updateInSteps: frame.state.updateInSteps, stats: session.statsUpToCursor))
        } else if let placement = session.placement {
            content = .placing(placed: placement.placed)
        } else {
            content = .noRun(reason: session.message ?? "no run")
        }
        let unicode = session.view.unicode
        self.init(settings: session.settings, content: content, marker: unicode ? session.view.marker : .glyphs,
                  pointCount: session.dataSet.points.rows, voronoi: session.view.voronoi, unicode: unicode, palette: palette,
                  agreement: session.agreement(cache: cache), coloredByTruth: session.view.colorByTruth)
    }

    /// Draws the boxed panel filling `area`.
    public func render(into grid: inout CellGrid, area side: Rect) {
        grid.box(x: side.x, y: side.y, width: side.width, height: side.height, title: "Run", style: CellStyle(foreground: palette.muted),
                 glyphs: unicode ? .unicode : .ascii)
        var lines = Lines(x: side.x + 2, y: side.y + 1, width: side.width - 4, bottom: side.y + side.height - 1)
        let s = settings
        let label = CellStyle(foreground: palette.muted)
        let value = CellStyle(attributes: [.bold])
        let run: Run
        switch content {
        case let .noRun(reason):
            lines.put(reason, CellStyle(foreground: palette.error), into: &grid)
            return
        case let .placing(placed):
            lines.put("placing centres: \(placed.count) of \(s.k)", value, into: &grid)
            lines.put("k \(s.k)  \(s.metric.label)", label, into: &grid)
            lines.put(s.useMiniBatch ? "mini-batch B=\(s.batchSize) M=\(s.miniBatchStepsPerIteration)" : "full batch", label, into: &grid)
            lines.y += 1
            for (j, p) in placed.enumerated() {
                let x = lines.x
                let name = grid.put(ClusterName.of(j), x: x, y: lines.y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]))
                grid.put(" at " + formatCompact(Double(p.x)) + ", " + formatCompact(Double(p.y)), x: name, y: lines.y, maxWidth: lines.width - (name - x))
                lines.y += 1
            }
            return
        case let .run(shown): run = shown
        }
        let next = run.nextPhase == .assigned ? "assign" : "update"
        lines.put("step \(run.step)  next: \(next)", value, into: &grid)
        lines.put("history \(run.position)/\(run.count)" + (run.replaying ? "  (replay)" : ""), label, into: &grid)
        lines.put("k \(s.k)  \(s.initialization.label)" + (s.initialization == .kmeansPlusPlus ? " (r\(s.kmeansPlusPlusRetries))" : ""), into: &grid)
        lines.put("seed \(s.seed)  tol " + (s.relativeTolerance == 0 ? "off" : formatCompact(s.relativeTolerance)), into: &grid)
        lines.put(s.metric.label + "  " + (s.useMiniBatch ? "mini-batch" : "full batch"), into: &grid)
        let pointStyle: String
        switch Renderer.pointStyle(pointCount: pointCount) {
        case .large: pointStyle = marker == .braille ? " (large)" : ""
        case .plain: pointStyle = ""
        case .density: pointStyle = " + density"
        }
        lines.put("marker \(marker.rawValue)" + pointStyle + (voronoi ? " + Voronoi" : ""), label, into: &grid)
        if s.useMiniBatch { lines.put("b.loss: loss of the batch only", label, into: &grid) }
        if s.useMiniBatch {
            lines.put("B=\(s.batchSize) M=\(s.miniBatchStepsPerIteration)" + (s.miniBatchStepsPerIteration > 1 ? "  sync in \(run.updateInSteps ?? 0)" : ""), into: &grid)
        } else {
            lines.put("empty \(s.emptyClusterPolicy.label)", into: &grid)
        }
        lines.y += 1
        drawLegend(&grid, lines: &lines, run: run)
        lines.y += 1
        // Table of iterations.
        let scoreName = s.useMiniBatch ? "b.loss" : "score"
        let sparkRows = 4
        let tableRows = max(0, lines.bottom - lines.y - 1 - sparkRows)
        if tableRows > 0 {
            lines.put(pad("step", 4) + pad(scoreName, 9) + pad("Δmax", 7) + pad("moved", 6), label, into: &grid)
            for stat in run.stats.suffix(tableRows - 1) {
                lines.put(countColumn(stat.step, 4) + numberColumn(stat.score, 9) + numberColumn(stat.maxDelta, 7) + countColumn(stat.moved, 6), into: &grid)
            }
            lines.y = max(lines.y, lines.bottom - sparkRows)
        }
        // Sparklines with min and max.
        drawSpark(&grid, lines: &lines, name: scoreName, values: run.stats.map(\.score))
        drawSpark(&grid, lines: &lines, name: "Δmax", values: run.stats.map(\.maxDelta))
        if let agreement {
            AgreementView(agreement: agreement, coloredByTruth: coloredByTruth, palette: palette)
                .render(into: &grid, area: AgreementView.area(in: side, wanted: 2 + agreement.classNames.count))
        }
    }

    /// The legend: glyph, letter, size, mini-batch count and last move of each cluster that fits, then how many not.
    func drawLegend(_ grid: inout CellGrid, lines: inout Lines, run: Run) {
        let s = settings, x = lines.x, w = lines.width
        let label = CellStyle(foreground: palette.muted)
        let lastDeltas = run.stats.last?.centerDeltas ?? []
        lines.put("#" + pad("size", 9) + pad(s.useMiniBatch ? "count" : "", 7) + pad("Δ", 9), label, into: &grid)
        let shownClusters = min(s.k, max(0, (lines.bottom - lines.y) - 7))
        for j in 0..<shownClusters {
            guard lines.y < lines.bottom else { break }
            let y = lines.y
            let swatch: Unicode.Scalar = unicode ? (palette.tier == .mono ? palette.pointGlyph(j) : "●") : palette.pointGlyph(j)
            grid[x, y] = Cell(swatch, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold]))
            grid[x + 1, y] = Cell(palette.pointGlyph(j), style: CellStyle(foreground: palette.cluster(j)))
            let size = j < run.clusterSizes.count ? run.clusterSizes[j] : 0
            let counts = run.clusterCounts ?? []
            let count = j < counts.count ? countColumn(Int(counts[j]), 7) : pad("", 7)
            let delta = j < lastDeltas.count ? numberColumn(lastDeltas[j], 9) : pad("–", 9)
            grid.put(countColumn(size, 6) + (s.useMiniBatch ? count : pad("", 7)) + delta, x: x + 4, y: y, maxWidth: w - 4)
            grid.put(ClusterName.of(j), x: x + 3, y: y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: 2)
            lines.y += 1
        }
        if shownClusters < s.k { lines.put("… \(s.k - shownClusters) more", label, into: &grid) }
    }

    /// A sparkline of the last `values` that fit, named, with their min and max on the next line.
    func drawSpark(_ grid: inout CellGrid, lines: inout Lines, name: String, values: [Double]) {
        guard lines.y + 1 < lines.bottom else { return }
        let sparkWidth = max(4, lines.width - 6)
        grid.put(pad(name, 6, left: false), x: lines.x, y: lines.y, style: CellStyle(foreground: palette.muted))
        grid.put(Renderer.sparkline(Array(values.suffix(sparkWidth)), unicode: unicode), x: lines.x + 6, y: lines.y, style: CellStyle(foreground: palette.accent))
        lines.y += 1
        let text = values.isEmpty ? "  no iterations yet" : "  min \(formatCompact(values.min() ?? 0))  max \(formatCompact(values.max() ?? 0))"
        grid.put(text, x: lines.x, y: lines.y, style: CellStyle(foreground: palette.muted), maxWidth: lines.width)
        lines.y += 1
    }

    /// The panel's text column: where the next line goes and the row it must stay above.
    struct Lines {
        let x: Int
        var y: Int
        let width: Int, bottom: Int

        /// Writes `text` on the next line (clipped to the width) unless the panel is full.
        mutating func put(_ text: String, _ style: CellStyle = .plain, into grid: inout CellGrid) {
            guard y < bottom else { return }
            grid.put(text, x: x, y: y, style: style, maxWidth: width)
            y += 1
        }
    }
}

extension Renderer {
    /// A sparkline of `values` scaled between their min and max (eight levels; ASCII levels without Unicode).
    public static func sparkline(_ values: [Double], unicode: Bool) -> String {
        let levels: [Character] = unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["_", ".", "-", "~", "=", "+", "*", "#"]
        guard let lo = values.min(), let hi = values.max() else { return "" }
        return String(values.map { v in
            let f = hi > lo ? (v - lo) / (hi - lo) : 0.5
            return levels[min(levels.count - 1, max(0, Int((f * Double(levels.count - 1)).rounded())))]
        })
    }
}
