import KMeansCore

/// The scatter pane: axes, points, Voronoi regions, trails, centres and the placement cursor.
extension Renderer {
    // MARK: scatter

    func drawScatter(_ grid: inout CellGrid, session: Session, layout: Layout, checkpoint: (entry: CheckpointEntry, labels: [Int32], score: Double)?) {
        let plot = layout.plot
        guard plot.width > 2, plot.height > 2, let frame = session.currentFrame ?? emptyFrame(session) else { return }
        let bounds = session.bounds
        let unicode = session.view.unicode
        drawAxes(&grid, plot: plot, bounds: bounds, unicode: unicode)

        let k = checkpoint?.entry.centers.rows ?? session.displayColorCount
        let labels = checkpoint?.labels ?? session.displayLabels(cache: cache)
        let centers = checkpoint?.entry.centers ?? session.displayCenters(frame)
        let centerPositions: [(x: Float, y: Float)] = session.centerPlanePositions(centers, frame: frame)

        // Voronoi shading: background of every plot cell = its nearest centre under the run's metric.
        var region = [Int](repeating: -1, count: plot.width * plot.height)
        if session.view.voronoi, centers.rows > 0 {
            let key = RasterCache.VoronoiKey(centers: centers, planeMap: session.planeMap, bounds: bounds,
                                             width: plot.width, height: plot.height, cosine: session.settings.metric == .cosine)
            let compute = { Renderer.voronoiRegions(session: session, plot: plot, centers: centers) }
            region = cache?.region(for: key, make: compute) ?? compute()
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

        drawPoints(&grid, session: session, plot: plot, labels: labels, k: k, batch: checkpoint == nil ? frame.batch : [], region: region)

        // Trails of past centre positions: bold where only attributes tell things apart, in the cluster's colour
        // alone otherwise (an attribute switch next to the points costs a terminal reset).
        if session.view.trails, checkpoint == nil {
            let trailAttributes: CellAttributes = palette.canShadeBackground ? [] : [.bold]
            let trail = session.centerTrail.dropLast()
            for positions in trail {
                for (j, p) in positions.enumerated() {
                    guard let cell = cellOf(p, plot: plot, bounds: bounds) else { continue }
                    let existing = grid[cell.x, cell.y]
                    grid[cell.x, cell.y] = Cell(unicode ? "∘" : ".", style: CellStyle(foreground: palette.cluster(j), background: existing.style.background, attributes: trailAttributes))
                }
            }
        }

        // Centres: their letter, bold and reversed in the cluster's colour.
        for (j, p) in centerPositions.enumerated() {
            guard let cell = cellOf(p, plot: plot, bounds: bounds) else {
                markOffPlot(&grid, p, label: ClusterName.of(j), colour: palette.cluster(j), plot: plot, bounds: bounds)
                continue
            }
            grid.put(ClusterName.of(j), x: cell.x, y: cell.y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: plot.x + plot.width - cell.x)
        }

        // Placement cursor and the centres placed so far.
        if let placement = session.placement {
            for (j, p) in placement.placed.enumerated() {
                if let cell = cellOf(p, plot: plot, bounds: bounds) {
                    grid.put(ClusterName.of(j), x: cell.x, y: cell.y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: plot.x + plot.width - cell.x)
                }
            }
            let cx = plot.x + placement.cursorColumn, cy = plot.y + placement.cursorRow
            grid[cx, cy] = Cell("+", style: CellStyle(foreground: palette.warning, attributes: [.bold, .reverse]))
        }
    }

    /// Nearest centre (under the run's metric) of the middle of every plot cell, row-major.
    static func voronoiRegions(session: Session, plot: Rect, centers: Matrix) -> [Int] {
        let metric = session.settings.metric
        let metricCenters = metric == .cosine ? StepEngine.normalizedRows(centers) : centers
        let d = centers.columns
        var cellPoints = [Float](repeating: 0, count: plot.width * plot.height * d)
        var offset = 0
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let p = session.planePoint(column: column, row: row, plot: plot)
                for value in session.planeMap.unproject(x: p.x, y: p.y).prefix(d) { cellPoints[offset] = value; offset += 1 }
                offset = (row * plot.width + column + 1) * d
            }
        }
        var cellMatrix = Matrix(rows: plot.width * plot.height, columns: d, values: cellPoints)
        if metric == .cosine { cellMatrix = StepEngine.normalizedRows(cellMatrix) }
        return StepEngine.nearest(points: cellMatrix, rows: nil, centers: metricCenters, metric: metric).labels.map { Int($0) }
    }

    func emptyFrame(_ session: Session) -> Frame? {
        let k = session.settings.k, d = session.dataSet.points.columns
        let state = KMeansState(clusters: Matrix(rows: 0, columns: d), initialized: false, clusterCounts: nil, clustersUpdated: nil, updateInSteps: nil, globalStep: 0)
        return Frame(phase: .initialized, state: state, pending: nil, labels: [], batch: [], stats: nil, clusterSizes: [Int](repeating: 0, count: k), converged: false)
    }

    func cellOf(_ p: (x: Float, y: Float), plot: Rect, bounds: PlotBounds) -> (x: Int, y: Int)? {
        guard p.x.isFinite, p.y.isFinite else { return nil }
        let fx = (p.x - bounds.minX) / (bounds.maxX - bounds.minX)
        let fy = (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)
        guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { return nil }
        return (plot.x + min(plot.width - 1, Int(fx * Float(plot.width))), plot.y + min(plot.height - 1, Int(fy * Float(plot.height))))
    }

    /// A centre outside the plot (e.g. an empty cluster sent to the origin) is shown at the nearest edge with an arrow.
    func markOffPlot(_ grid: inout CellGrid, _ p: (x: Float, y: Float), label: String, colour: TerminalColor, plot: Rect, bounds: PlotBounds) {
        guard p.x.isFinite, p.y.isFinite else { return }
        let fx = min(1, max(0, (p.x - bounds.minX) / (bounds.maxX - bounds.minX)))
        let fy = min(1, max(0, (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)))
        let x = plot.x + min(plot.width - 1, Int(fx * Float(plot.width)))
        let y = plot.y + min(plot.height - 1, Int(fy * Float(plot.height)))
        grid.put(label, x: x, y: y, style: CellStyle(foreground: colour, attributes: [.bold, .reverse, .underline]), maxWidth: plot.x + plot.width - x)
    }

    func drawPoints(_ grid: inout CellGrid, session: Session, plot: Rect, labels: [Int32], k: Int, batch: [Int], region: [Int]) {
        let marker = session.view.unicode ? session.view.marker : .glyphs
        let geometryKey = RasterCache.GeometryKey(projected: session.projected, bounds: session.bounds, width: plot.width,
                                                  height: plot.height, marker: marker)
        let labelKey = RasterCache.LabelKey(labels: labels, batch: batch, k: k)
        let raster = cache?.raster(geometry: geometryKey, labels: labelKey)
            ?? PointRaster(geometry: PointGeometry(projected: geometryKey.projected, bounds: geometryKey.bounds, width: plot.width,
                                                   height: plot.height, marker: marker),
                           labels: labels, batch: batch, k: k)
        let owners = raster.owners, dots = raster.geometry.dots, inBatch = raster.inBatch, bands = raster.geometry.bands
        func majority(_ cell: Int, band: Int) -> Int? {
            let owner = Int(owners[cell * bands + band])
            return owner >= 0 ? owner : nil
        }
        let style = Renderer.pointStyle(pointCount: session.dataSet.points.rows)
        let counts = raster.geometry.counts
        let densest = max(1, counts.max() ?? 1)
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let cell = row * plot.width + column
                let background = region.isEmpty || region[cell] < 0 || !palette.canShadeBackground ? TerminalColor.standard : palette.clusterShade(region[cell])
                var emphasis = Palette.PointEmphasis.normal
                if !batch.isEmpty { emphasis = palette.batchEmphasis(inBatch: inBatch[cell]) }
                else if style == .density { emphasis = Renderer.densityEmphasis(Int(counts[cell * bands]), densest: Int(densest)) }
                func look(_ owner: Int) -> CellStyle {
                    palette.pointStyle(cluster: owner == k ? nil : owner, emphasis: emphasis, background: background)
                }
                switch marker {
                case .braille:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let large: Unicode.Scalar = session.view.unicode ? "⣿" : (owner == k ? "." : palette.pointGlyph(owner))
                    let glyph = style == .large ? large : Unicode.Scalar(0x2800 + UInt32(dots[cell]))!
                    grid[plot.x + column, plot.y + row] = Cell(glyph, style: look(owner))
                case .glyphs:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let glyph: Unicode.Scalar = owner == k ? "." : palette.pointGlyph(owner)
                    grid[plot.x + column, plot.y + row] = Cell(glyph, style: look(owner))
                case .halfBlock:
                    let top = majority(cell, band: 0), bottom = majority(cell, band: 1)
                    if let top, let bottom {
                        var both = look(top)
                        both.background = palette.pointStyle(cluster: bottom == k ? nil : bottom, emphasis: .normal).foreground
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: both)
                    } else if let top {
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: look(top))
                    } else if let bottom {
                        grid[plot.x + column, plot.y + row] = Cell("▄", style: look(bottom))
                    }
                }
            }
        }
    }

    func drawAxes(_ grid: inout CellGrid, plot: Rect, bounds: PlotBounds, unicode: Bool) {
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

    /// How points are drawn for a data set's size.
    enum PointStyle: Sendable, Equatable {
        /// Up to `largeMarkerLimit` points: every occupied braille cell has all eight dots (one dot is too small).
        case large
        /// The marker mode as chosen.
        case plain
        /// From `densityThreshold` points: cells shaded by how many points they hold.
        case density
    }

    /// Point counts up to which braille cells become large markers.
    static let largeMarkerLimit = 500
    /// Point counts from which cells are shaded by density.
    static let densityThreshold = 20_000

    /// The point style for `pointCount` points.
    static func pointStyle(pointCount: Int) -> PointStyle {
        pointCount <= largeMarkerLimit ? .large : (pointCount >= densityThreshold ? .density : .plain)
    }

    /// Intensity of a cell holding `count` points when the densest holds `densest`: faint below an eighth, strong
    /// from a half (in mono as dim and bold).
    static func densityEmphasis(_ count: Int, densest: Int) -> Palette.PointEmphasis {
        if count * 8 < densest { return .faint }
        if count * 2 >= densest { return .strong }
        return .normal
    }
}
