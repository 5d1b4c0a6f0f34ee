import KMeansCore

/// The scatter pane: axes, Voronoi regions, points, trails, centres and the placement cursor, drawn from plane
/// positions and regions computed before drawing.
public struct ScatterView: Sendable {
    /// Centre placement in progress: the centres placed so far (plane positions) and the cursor cell in the plot.
    public struct PlacementCursor: Sendable {
        /// Centres placed so far.
        public var placed: [(x: Float, y: Float)]
        /// Cursor column and row from the plot's top-left.
        public var column: Int, row: Int

        /// Creates the cursor.
        public init(placed: [(x: Float, y: Float)], column: Int, row: Int) {
            self.placed = placed
            self.column = column
            self.row = row
        }
    }

    /// The plane ranges the plot shows.
    public var bounds: PlotBounds
    /// Every point's plane position, interleaved x, y.
    public var projected: [Float]
    /// The cluster each point is coloured by; a missing or out-of-range label draws as not assigned.
    public var labels: [Int32]
    /// Number of clusters the labels range over.
    public var k: Int
    /// Plane positions of the centres.
    public var centers: [(x: Float, y: Float)]
    /// Rows of the mini-batch to highlight (empty: none).
    public var batch: [Int]
    /// Past plane positions of the centres, oldest first (empty: no trails).
    public var trails: [[(x: Float, y: Float)]]
    /// Centre placement in progress, if any.
    public var placement: PlacementCursor?
    /// How points are drawn.
    public var marker: MarkerMode
    /// Whether Unicode glyphs may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette
    /// The Voronoi shading, drawn when its size is the plot's (nil: none).
    public var regions: VoronoiRegions?
    /// Keeps the point raster across frames (nil: rasterised afresh).
    var cache: RasterCache?

    /// Creates the view.
    public init(bounds: PlotBounds, projected: [Float], labels: [Int32], k: Int, centers: [(x: Float, y: Float)], batch: [Int] = [],
                trails: [[(x: Float, y: Float)]] = [], placement: PlacementCursor? = nil, marker: MarkerMode, unicode: Bool,
                palette: Palette, regions: VoronoiRegions? = nil) {
        self.bounds = bounds
        self.projected = projected
        self.labels = labels
        self.k = k
        self.centers = centers
        self.batch = batch
        self.trails = trails
        self.placement = placement
        self.marker = marker
        self.unicode = unicode
        self.palette = palette
        self.regions = regions
    }

    /// The scatter plot of `session`: the shown checkpoint's centres and labels while the checkpoint view is open,
    /// else the frame on screen's; the point raster kept in `cache`.
    init(session: Session, palette: Palette, cache: RasterCache?) {
        let checkpoint = session.shownCheckpoint
        let frame = session.currentFrame ?? ScatterView.emptyFrame(session)
        let centers = checkpoint?.entry.centers ?? session.displayCenters(frame)
        let unicode = session.view.unicode
        self.init(bounds: session.bounds, projected: session.projected, labels: checkpoint?.labels ?? session.displayLabels(cache: cache),
                  k: checkpoint?.entry.centers.rows ?? session.displayColorCount, centers: session.centerPlanePositions(centers, frame: frame),
                  batch: checkpoint == nil ? frame.batch : [],
                  trails: session.view.trails && checkpoint == nil ? Array(session.centerTrail.dropLast()) : [],
                  placement: session.placement.map { PlacementCursor(placed: $0.placed, column: $0.cursorColumn, row: $0.cursorRow) },
                  marker: unicode ? session.view.marker : .glyphs, unicode: unicode, palette: palette, regions: session.voronoiRegions)
        self.cache = cache
    }

    /// A frame without centres, for drawing the axes before a run starts.
    static func emptyFrame(_ session: Session) -> Frame {
        let k = session.settings.k, d = session.dataSet.points.columns
        let state = KMeansState(clusters: Matrix(rows: 0, columns: d), initialized: false, clusterCounts: nil, clustersUpdated: nil, updateInSteps: nil, globalStep: 0)
        return Frame(phase: .initialized, state: state, pending: nil, labels: [], batch: [], stats: nil, clusterSizes: [Int](repeating: 0, count: k), converged: false)
    }

    /// Draws the pane filling `area`: the plot inside the axes (`Layout.plot(inPane:)`), tick labels around it.
    public func render(into grid: inout CellGrid, area: Rect) {
        let plot = Layout.plot(inPane: area)
        guard plot.width > 2, plot.height > 2 else { return }
        drawAxes(&grid, plot: plot)
        let region = regions.flatMap { $0.width == plot.width && $0.height == plot.height ? $0.owners : nil } ?? []
        if !region.isEmpty { shade(&grid, plot: plot, region: region) }
        drawPoints(&grid, plot: plot, region: region)

        // Trails of past centre positions: bold where only attributes tell things apart, in the cluster's colour
        // alone otherwise (an attribute switch next to the points costs a terminal reset).
        let trailAttributes: CellAttributes = palette.canShadeBackground ? [] : [.bold]
        for positions in trails {
            for (j, p) in positions.enumerated() {
                guard let cell = cellOf(p, plot: plot) else { continue }
                let existing = grid[cell.x, cell.y]
                grid[cell.x, cell.y] = Cell(unicode ? "∘" : ".", style: CellStyle(foreground: palette.cluster(j), background: existing.style.background, attributes: trailAttributes))
            }
        }

        // Centres: their letter, bold and reversed in the cluster's colour.
        for (j, p) in centers.enumerated() {
            guard let cell = cellOf(p, plot: plot) else {
                markOffPlot(&grid, p, label: ClusterName.of(j), colour: palette.cluster(j), plot: plot)
                continue
            }
            grid.put(ClusterName.of(j), x: cell.x, y: cell.y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: plot.x + plot.width - cell.x)
        }

        // Placement cursor and the centres placed so far.
        if let placement {
            for (j, p) in placement.placed.enumerated() {
                if let cell = cellOf(p, plot: plot) {
                    grid.put(ClusterName.of(j), x: cell.x, y: cell.y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: plot.x + plot.width - cell.x)
                }
            }
            grid[plot.x + placement.column, plot.y + placement.row] = Cell("+", style: CellStyle(foreground: palette.warning, attributes: [.bold, .reverse]))
        }
    }

    /// Voronoi shading: the background of every plot cell in its region's shade, or (without background colours) a
    /// dim dot where the region changes to the right or below.
    func shade(_ grid: inout CellGrid, plot: Rect, region: [Int]) {
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let r = region[row * plot.width + column]
                if palette.canShadeBackground {
                    grid[plot.x + column, plot.y + row] = Cell(" ", style: CellStyle(background: palette.clusterShade(r)))
                } else {
                    let right = column + 1 < plot.width ? region[row * plot.width + column + 1] : r
                    let below = row + 1 < plot.height ? region[(row + 1) * plot.width + column] : r
                    if right != r || below != r {
                        grid[plot.x + column, plot.y + row] = Cell(unicode ? "·" : ".", style: CellStyle(foreground: palette.cluster(r), attributes: [.dim]))
                    }
                }
            }
        }
    }

    /// The axes left of and below the plot, with round tick values.
    func drawAxes(_ grid: inout CellGrid, plot: Rect) {
        let axisStyle = CellStyle(foreground: palette.muted)
        let axisX = plot.x - 1, axisY = plot.y + plot.height
        for row in plot.y..<(plot.y + plot.height) { grid[axisX, row] = Cell(unicode ? "│" : "|", style: axisStyle) }
        for column in plot.x..<(plot.x + plot.width) { grid[column, axisY] = Cell(unicode ? "─" : "-", style: axisStyle) }
        grid[axisX, axisY] = Cell(unicode ? "└" : "+", style: axisStyle)
        // y ticks: evenly spaced "nice" values.
        for value in Renderer.niceTicks(min: bounds.minY, max: bounds.maxY, count: max(2, plot.height / 4)) {
            let f = (bounds.maxY - value) / (bounds.maxY - bounds.minY)
            let row = plot.y + min(plot.height - 1, Int(f * Float(plot.height)))
            grid[axisX, row] = Cell(unicode ? "┤" : "+", style: axisStyle)
            let label = Renderer.tickLabel(value)
            let width = label.unicodeScalars.count
            grid.put(label, x: max(0, axisX - 1 - width), y: row, style: axisStyle, maxWidth: Layout.yLabelWidth)
        }
        // x ticks.
        var lastEnd = -1
        for value in Renderer.niceTicks(min: bounds.minX, max: bounds.maxX, count: max(2, plot.width / 12)) {
            let f = (value - bounds.minX) / (bounds.maxX - bounds.minX)
            let column = plot.x + min(plot.width - 1, Int(f * Float(plot.width)))
            grid[column, axisY] = Cell(unicode ? "┬" : "+", style: axisStyle)
            let label = Renderer.tickLabel(value)
            let start = max(plot.x - 1, column - label.unicodeScalars.count / 2)
            if start > lastEnd {
                lastEnd = grid.put(label, x: start, y: axisY + 1, style: axisStyle, maxWidth: plot.x + plot.width - start)
            }
        }
    }

    func cellOf(_ p: (x: Float, y: Float), plot: Rect) -> (x: Int, y: Int)? {
        guard p.x.isFinite, p.y.isFinite else { return nil }
        let fx = (p.x - bounds.minX) / (bounds.maxX - bounds.minX)
        let fy = (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)
        guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { return nil }
        return (plot.x + min(plot.width - 1, Int(fx * Float(plot.width))), plot.y + min(plot.height - 1, Int(fy * Float(plot.height))))
    }

    /// A centre outside the plot (e.g. an empty cluster sent to the origin) is shown at the nearest edge with an arrow.
    func markOffPlot(_ grid: inout CellGrid, _ p: (x: Float, y: Float), label: String, colour: TerminalColor, plot: Rect) {
        guard p.x.isFinite, p.y.isFinite else { return }
        let fx = min(1, max(0, (p.x - bounds.minX) / (bounds.maxX - bounds.minX)))
        let fy = min(1, max(0, (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)))
        let x = plot.x + min(plot.width - 1, Int(fx * Float(plot.width)))
        let y = plot.y + min(plot.height - 1, Int(fy * Float(plot.height)))
        grid.put(label, x: x, y: y, style: CellStyle(foreground: colour, attributes: [.bold, .reverse, .underline]), maxWidth: plot.x + plot.width - x)
    }
}

extension Renderer {
    /// Evenly spaced round tick values inside `[min, max]`, about `count` of them.
    public static func niceTicks(min lower: Float, max upper: Float, count: Int) -> [Float] {
        let span = Double(upper - lower)
        guard span > 0, span.isFinite, count > 0 else { return [] }
        let raw = span / Double(count)
        let magnitude = pow10(Int(log10Approx(raw).rounded(.down)))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var value = (Double(lower) / step).rounded(.up) * step
        var out: [Float] = []
        while value <= Double(upper) + step * 1e-9, out.count < 100 {
            out.append(Float(abs(value) < step * 1e-9 ? 0 : value))
            value += step
        }
        return out
    }

    /// A short tick label.
    static func tickLabel(_ value: Float) -> String {
        let v = Double(value)
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return formatCompact(v)
    }
}
