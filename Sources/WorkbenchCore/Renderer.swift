import KMeansCore

/// Turns a `Session` into a `CellGrid`. Pure: the same session, size and tier always give the same grid.
public struct Renderer: Sendable {
    /// Colours reduced to the terminal's tier.
    public let palette: Palette

    /// The last point raster and Voronoi regions, reused while their inputs are unchanged (nil: always rebuilt).
    private let cache: RasterCache?

    /// Creates a renderer for `tier`. With `cachesRasterisation` (the default) it keeps the last rasterised points
    /// and Voronoi regions and reuses them while the labels, data, projection and plot size are unchanged; without
    /// it every frame is rasterised from scratch (same output, for measuring the cold cost).
    public init(tier: ColorTier, cachesRasterisation: Bool = true) {
        palette = Palette(tier: tier)
        cache = cachesRasterisation ? RasterCache() : nil
    }

    /// Renders `session` at its screen size.
    public func render(_ session: Session) -> CellGrid {
        let layout = Layout(width: session.screenWidth, height: session.screenHeight)
        var grid = CellGrid(width: layout.width, height: layout.height)
        guard layout.fits else {
            TooSmallView(width: layout.width, height: layout.height, unicode: session.view.unicode, palette: palette)
                .render(into: &grid, area: Rect(x: 0, y: 0, width: layout.width, height: layout.height))
            return grid
        }
        let checkpoint = checkpointView(session)
        drawHeader(&grid, session: session, layout: layout, checkpoint: checkpoint)
        drawScatter(&grid, session: session, layout: layout, checkpoint: checkpoint)
        if layout.sideWidth > 0 {
            if checkpoint != nil { drawCheckpointPanel(&grid, session: session, layout: layout) } else {
                drawSidePanel(&grid, session: session, layout: layout)
            }
        }
        let explains = session.view.explain || checkpoint != nil || session.placement != nil
        ExplanationView(message: session.message,
                        explanation: explains ? Renderer.explanation(session, checkpoint: checkpoint.map { ($0.entry, $0.score) }) : nil,
                        palette: palette).render(into: &grid, area: layout.explanation)
        KeyBarView(entries: Renderer.keyBarEntries(session), unicode: session.view.unicode).render(into: &grid, area: layout.keyBar)
        switch session.overlay {
        case let .help(scroll): HelpView(scroll: scroll, unicode: session.view.unicode, palette: palette).render(into: &grid, area: layout.helpBox)
        case .settings:
            let problems = session.draft.problems(pointCount: session.dataChoices[session.draftDataIndex].points.rows)
            SettingsView(fields: session.settingsFields, selected: session.settingsEditor.selected.rawValue, problem: problems.first,
                         unicode: session.view.unicode, palette: palette).render(into: &grid, area: layout.settingsBox)
        case .none, .checkpoints: break
        }
        if !session.view.unicode { Renderer.asciify(&grid) }
        return grid
    }

    /// Replaces every non-ASCII glyph with an ASCII stand-in (for terminals or locales without UTF-8).
    static func asciify(_ grid: inout CellGrid) {
        for y in 0..<grid.height {
            for x in 0..<grid.width where !grid[x, y].glyph.isASCII {
                var cell = grid[x, y]
                cell.glyph = asciiStandIns[cell.glyph] ?? "?"
                grid[x, y] = cell
            }
        }
    }

    /// ASCII stand-ins for the non-ASCII glyphs the renderer draws (built once, not per frame).
    private static let asciiStandIns: [Unicode.Scalar: Unicode.Scalar] = [
        "·": ".", "∘": ".", "→": ">", "←": "<", "↑": "^", "↓": "v", "Δ": "d", "×": "x", "–": "-", "−": "-",
        "│": "|", "─": "-", "┌": "+", "┐": "+", "└": "+", "┘": "+", "┤": "+", "┬": "+", "▸": ">", "◂": "<",
        "…": "~", "●": "o", "▶": ">", "⏸": "=", "⧗": "*", "█": "#", "▀": "\"", "▄": "_",
    ]

    // MARK: pieces

    private var box: (Bool) -> BoxGlyphs { { $0 ? .unicode : .ascii } }

    /// The checkpoint on screen, if the checkpoint view is open.
    private func checkpointView(_ session: Session) -> (entry: CheckpointEntry, labels: [Int32], score: Double)? {
        guard case let .checkpoints(selected) = session.overlay, session.checkpoints.indices.contains(selected) else { return nil }
        let entry = session.checkpoints[selected]
        let compute = { session.evaluate(entry) }
        guard let result = cache?.evaluation(for: evaluationKey(entry, session), make: compute) ?? compute() else { return nil }
        return (entry, result.labels, result.score)
    }

    private func evaluationKey(_ entry: CheckpointEntry, _ session: Session) -> RasterCache.EvaluationKey {
        RasterCache.EvaluationKey(centers: entry.centers, points: session.engine.points,
                                  dataColumns: session.dataSet.points.columns, metric: session.settings.metric)
    }

    private func drawHeader(_ grid: inout CellGrid, session: Session, layout: Layout, checkpoint: (entry: CheckpointEntry, labels: [Int32], score: Double)?) {
        let bar = CellStyle(foreground: palette.tier == .mono ? .standard : palette.ink, background: palette.tier == .mono ? .standard : palette.accent,
                            attributes: palette.tier == .mono ? [.reverse] : [])
        grid.fill(x: 0, y: 0, width: layout.width, height: 1, with: Cell(" ", style: bar))
        let data = session.dataSet
        let title = " kmeans workbench │ \(data.name) \(data.points.rows)×\(data.points.columns) │ \(session.view.projection.label(columnNames: data.columnNames))"
        grid.put(session.view.unicode ? title : title.replacingScalar("│", with: "|").replacingScalar("×", with: "x"), x: 0, y: 0, style: bar, maxWidth: layout.width - 24)
        // Run-state marker at the right edge: high contrast, impossible to miss.
        let marker: String
        var style: CellStyle
        if let checkpoint {
            marker = " CHECKPOINT step \(checkpoint.entry.step) "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        } else if session.placement != nil {
            marker = " PLACING CENTRES "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        } else if session.pendingHalfSteps > 0 && !session.isRunning {
            marker = session.view.unicode ? " ⧗ COMPUTING (Esc stops) " : " COMPUTING (Esc stops) "
            style = CellStyle(foreground: palette.ink, background: palette.accent, attributes: [.bold])
        } else if session.isRunning {
            marker = (session.view.unicode ? " ▶ RUNNING " : " > RUNNING ") + "\(speedLabel(session.speed))/s "
            style = CellStyle(foreground: palette.ink, background: palette.good, attributes: [.bold])
        } else {
            marker = session.view.unicode ? " ⏸ PAUSED " : " || PAUSED "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        }
        if palette.tier == .mono { style = CellStyle(attributes: [.bold, .reverse, .underline]) }
        let markerWidth = marker.unicodeScalars.count
        grid.put(marker, x: layout.width - markerWidth, y: 0, style: style)
    }

    private func speedLabel(_ speed: Double) -> String { speed < 1 ? fixed(speed, 1) : String(Int(speed)) }

    // MARK: scatter

    private func drawScatter(_ grid: inout CellGrid, session: Session, layout: Layout, checkpoint: (entry: CheckpointEntry, labels: [Int32], score: Double)?) {
        let plot = layout.plot
        guard plot.width > 2, plot.height > 2, let frame = session.currentFrame ?? emptyFrame(session) else { return }
        let bounds = session.bounds
        let unicode = session.view.unicode
        drawAxes(&grid, plot: plot, bounds: bounds, unicode: unicode)

        let k = checkpoint?.entry.centers.rows ?? session.settings.k
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

        // Trails of past centre positions.
        if session.view.trails, checkpoint == nil {
            let trail = session.centerTrail.dropLast()
            for positions in trail {
                for (j, p) in positions.enumerated() {
                    guard let cell = cellOf(p, plot: plot, bounds: bounds) else { continue }
                    let existing = grid[cell.x, cell.y]
                    grid[cell.x, cell.y] = Cell(unicode ? "∘" : ".", style: CellStyle(foreground: palette.cluster(j), background: existing.style.background, attributes: [.bold]))
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

    private func emptyFrame(_ session: Session) -> Frame? {
        let k = session.settings.k, d = session.dataSet.points.columns
        let state = KMeansState(clusters: Matrix(rows: 0, columns: d), initialized: false, clusterCounts: nil, clustersUpdated: nil, updateInSteps: nil, globalStep: 0)
        return Frame(phase: .initialized, state: state, pending: nil, labels: [], batch: [], stats: nil, clusterSizes: [Int](repeating: 0, count: k), converged: false)
    }

    private func cellOf(_ p: (x: Float, y: Float), plot: Rect, bounds: PlotBounds) -> (x: Int, y: Int)? {
        guard p.x.isFinite, p.y.isFinite else { return nil }
        let fx = (p.x - bounds.minX) / (bounds.maxX - bounds.minX)
        let fy = (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)
        guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { return nil }
        return (plot.x + min(plot.width - 1, Int(fx * Float(plot.width))), plot.y + min(plot.height - 1, Int(fy * Float(plot.height))))
    }

    /// A centre outside the plot (e.g. an empty cluster sent to the origin) is shown at the nearest edge with an arrow.
    private func markOffPlot(_ grid: inout CellGrid, _ p: (x: Float, y: Float), label: String, colour: TerminalColor, plot: Rect, bounds: PlotBounds) {
        guard p.x.isFinite, p.y.isFinite else { return }
        let fx = min(1, max(0, (p.x - bounds.minX) / (bounds.maxX - bounds.minX)))
        let fy = min(1, max(0, (bounds.maxY - p.y) / (bounds.maxY - bounds.minY)))
        let x = plot.x + min(plot.width - 1, Int(fx * Float(plot.width)))
        let y = plot.y + min(plot.height - 1, Int(fy * Float(plot.height)))
        grid.put(label, x: x, y: y, style: CellStyle(foreground: colour, attributes: [.bold, .reverse, .underline]), maxWidth: plot.x + plot.width - x)
    }

    private func drawPoints(_ grid: inout CellGrid, session: Session, plot: Rect, labels: [Int32], k: Int, batch: [Int], region: [Int]) {
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
        let neutral = palette.tier == .mono ? TerminalColor.standard : palette.muted
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let cell = row * plot.width + column
                let background = region.isEmpty || region[cell] < 0 || !palette.canShadeBackground ? TerminalColor.standard : palette.clusterShade(region[cell])
                var attributes: CellAttributes = []
                if !batch.isEmpty { attributes = inBatch[cell] ? [.bold] : [.dim] }
                switch marker {
                case .braille:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let colour = owner == k ? neutral : palette.cluster(owner)
                    grid[plot.x + column, plot.y + row] = Cell(Unicode.Scalar(0x2800 + UInt32(dots[cell]))!, style: CellStyle(foreground: colour, background: background, attributes: attributes))
                case .glyphs:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let glyph: Unicode.Scalar = owner == k ? "." : palette.pointGlyph(owner)
                    let colour = owner == k ? neutral : palette.cluster(owner)
                    grid[plot.x + column, plot.y + row] = Cell(glyph, style: CellStyle(foreground: colour, background: background, attributes: attributes))
                case .halfBlock:
                    let top = majority(cell, band: 0), bottom = majority(cell, band: 1)
                    if top == nil && bottom == nil { continue }
                    func colour(_ owner: Int) -> TerminalColor { owner == k ? neutral : palette.cluster(owner) }
                    if let top, let bottom {
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: CellStyle(foreground: colour(top), background: colour(bottom), attributes: attributes))
                    } else if let top {
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: CellStyle(foreground: colour(top), background: background, attributes: attributes))
                    } else if let bottom {
                        grid[plot.x + column, plot.y + row] = Cell("▄", style: CellStyle(foreground: colour(bottom), background: background, attributes: attributes))
                    }
                }
            }
        }
    }

    private func drawAxes(_ grid: inout CellGrid, plot: Rect, bounds: PlotBounds, unicode: Bool) {
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

    // MARK: side panel

    private func drawSidePanel(_ grid: inout CellGrid, session: Session, layout: Layout) {
        let side = layout.side
        let unicode = session.view.unicode
        grid.box(x: side.x, y: side.y, width: side.width, height: side.height, title: "Run", style: CellStyle(foreground: palette.muted), glyphs: box(unicode))
        let x = side.x + 2, w = side.width - 4
        var y = side.y + 1
        let bottom = side.y + side.height - 1
        let s = session.settings
        let scoreName = s.useMiniBatch ? "b.loss" : "score"
        let label = CellStyle(foreground: palette.muted)
        let value = CellStyle(attributes: [.bold])
        func line(_ text: String, _ style: CellStyle = .plain) {
            guard y < bottom else { return }
            grid.put(text, x: x, y: y, style: style, maxWidth: w)
            y += 1
        }
        guard let frame = session.currentFrame else {
            if let placement = session.placement {
                line("placing centres: \(placement.placed.count) of \(s.k)", value)
                line("k \(s.k)  \(s.metric.label)", label)
                line(s.useMiniBatch ? "mini-batch B=\(s.batchSize) M=\(s.miniBatchStepsPerIteration)" : "full batch", label)
                y += 1
                for (j, p) in placement.placed.enumerated() {
                    let name = grid.put(ClusterName.of(j), x: x, y: y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]))
                    grid.put(" at " + formatCompact(Double(p.x)) + ", " + formatCompact(Double(p.y)), x: name, y: y, maxWidth: w - (name - x))
                    y += 1
                }
            } else {
                line(session.message ?? "no run", CellStyle(foreground: palette.error))
            }
            return
        }
        let next = frame.nextPhase == .assigned ? "assign" : "update"
        line("step \(frame.state.globalStep)  next: \(next)", value)
        line("history \(session.cursor + 1)/\(session.frames.count)" + (session.atLatest ? "" : "  (replay)"), label)
        line("k \(s.k)  \(s.initialization.label)" + (s.initialization == .kmeansPlusPlus ? " (r\(s.kmeansPlusPlusRetries))" : ""))
        line("seed \(s.seed)  tol " + (s.relativeTolerance == 0 ? "off" : formatCompact(s.relativeTolerance)))
        line(s.metric.label + "  " + (s.useMiniBatch ? "mini-batch" : "full batch"))
        let marker = session.view.unicode ? session.view.marker : .glyphs
        line("marker \(marker.rawValue)" + (session.view.voronoi ? " + Voronoi" : ""), label)
        if s.useMiniBatch { line("b.loss: loss of the batch only", label) }
        if s.useMiniBatch {
            line("B=\(s.batchSize) M=\(s.miniBatchStepsPerIteration)" + (s.miniBatchStepsPerIteration > 1 ? "  sync in \(frame.state.updateInSteps ?? 0)" : ""))
        } else {
            line("empty \(s.emptyClusterPolicy.label)")
        }
        y += 1
        // Legend: glyph, letter, size, last delta (and mini-batch counts).
        let stats = session.statsUpToCursor
        let lastDeltas = stats.last?.centerDeltas ?? []
        let header = "#" + pad("size", 9) + pad(s.useMiniBatch ? "count" : "", 7) + pad("Δ", 9)
        line(header, label)
        let shownClusters = min(s.k, max(0, (bottom - y) - 7))
        for j in 0..<shownClusters {
            guard y < bottom else { break }
            let swatch: Unicode.Scalar = unicode ? (palette.tier == .mono ? palette.pointGlyph(j) : "●") : palette.pointGlyph(j)
            grid[x, y] = Cell(swatch, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold]))
            grid[x + 1, y] = Cell(palette.pointGlyph(j), style: CellStyle(foreground: palette.cluster(j)))
            let size = j < frame.clusterSizes.count ? frame.clusterSizes[j] : 0
            let counts = frame.state.clusterCounts ?? []
            let count = j < counts.count ? countColumn(Int(counts[j]), 7) : pad("", 7)
            let delta = j < lastDeltas.count ? numberColumn(lastDeltas[j], 9) : pad("–", 9)
            let text = countColumn(size, 6) + (s.useMiniBatch ? count : pad("", 7)) + delta
            grid.put(text, x: x + 4, y: y, maxWidth: w - 4)
            grid.put(ClusterName.of(j), x: x + 3, y: y, style: CellStyle(foreground: palette.cluster(j), attributes: [.bold, .reverse]), maxWidth: 2)
            y += 1
        }
        if shownClusters < s.k { line("… \(s.k - shownClusters) more", label) }
        y += 1
        // Table of iterations.
        let sparkRows = 4
        let tableRows = max(0, bottom - y - 1 - sparkRows)
        if tableRows > 0 {
            line(pad("step", 4) + pad(scoreName, 9) + pad("Δmax", 7) + pad("moved", 6), label)
            for stat in stats.suffix(tableRows - 1) {
                line(countColumn(stat.step, 4) + numberColumn(stat.score, 9) + numberColumn(stat.maxDelta, 7) + countColumn(stat.moved, 6))
            }
            y = max(y, bottom - sparkRows)
        }
        // Sparklines with min and max.
        let sparkWidth = max(4, w - 6)
        let scores = stats.map(\.score), deltas = stats.map(\.maxDelta)
        drawSpark(&grid, x: x, y: &y, bottom: bottom, width: w, sparkWidth: sparkWidth, name: scoreName, values: scores, unicode: unicode)
        drawSpark(&grid, x: x, y: &y, bottom: bottom, width: w, sparkWidth: sparkWidth, name: "Δmax", values: deltas, unicode: unicode)
    }

    private func drawSpark(_ grid: inout CellGrid, x: Int, y: inout Int, bottom: Int, width: Int, sparkWidth: Int, name: String, values: [Double], unicode: Bool) {
        guard y + 1 < bottom else { return }
        grid.put(pad(name, 6, left: false), x: x, y: y, style: CellStyle(foreground: palette.muted))
        grid.put(Renderer.sparkline(Array(values.suffix(sparkWidth)), unicode: unicode), x: x + 6, y: y, style: CellStyle(foreground: palette.accent))
        y += 1
        let text = values.isEmpty ? "  no iterations yet" : "  min \(formatCompact(values.min() ?? 0))  max \(formatCompact(values.max() ?? 0))"
        grid.put(text, x: x, y: y, style: CellStyle(foreground: palette.muted), maxWidth: width)
        y += 1
    }

    /// A sparkline of `values` scaled between their min and max (eight levels; ASCII levels without Unicode).
    public static func sparkline(_ values: [Double], unicode: Bool) -> String {
        let levels: [Character] = unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["_", ".", "-", "~", "=", "+", "*", "#"]
        guard let lo = values.min(), let hi = values.max() else { return "" }
        return String(values.map { v in
            let f = hi > lo ? (v - lo) / (hi - lo) : 0.5
            return levels[min(levels.count - 1, max(0, Int((f * Double(levels.count - 1)).rounded())))]
        })
    }

    private func drawCheckpointPanel(_ grid: inout CellGrid, session: Session, layout: Layout) {
        let side = layout.side
        guard case let .checkpoints(selected) = session.overlay else { return }
        grid.box(x: side.x, y: side.y, width: side.width, height: side.height, title: "Checkpoints", style: CellStyle(foreground: palette.warning), glyphs: box(session.view.unicode))
        let x = side.x + 2, w = side.width - 4
        var y = side.y + 1
        grid.put(session.checkpointOrigin, x: x, y: y, style: CellStyle(foreground: palette.muted), maxWidth: w); y += 1
        grid.put(pad("step", 8) + pad("score", 12) + "  k", x: x, y: y, style: CellStyle(foreground: palette.muted), maxWidth: w); y += 1
        let rows = side.y + side.height - 1 - y
        let first = max(0, min(selected - rows / 2, session.checkpoints.count - rows))
        for index in first..<min(session.checkpoints.count, first + max(0, rows)) {
            let entry = session.checkpoints[index]
            let compute = { session.evaluate(entry)?.score }
            let score = (cache?.score(for: evaluationKey(entry, session), make: compute) ?? compute()).map(formatCompact) ?? "n/a"
            let text = pad(String(entry.step), 8) + pad(score, 12) + "  \(entry.centers.rows)"
            let style = index == selected ? CellStyle(attributes: [.reverse, .bold]) : .plain
            if index == selected { grid.fill(x: x - 1, y: y, width: w + 2, height: 1, with: Cell(" ", style: style)) }
            grid.put(text, x: x, y: y, style: style, maxWidth: w)
            y += 1
        }
    }

    // MARK: bottom lines

    /// The one-line explanation of what the next half-step does under the current metric and mode.
    public static func explanation(_ session: Session, checkpoint: (CheckpointEntry, Double)? = nil) -> String {
        if let (entry, score) = checkpoint {
            return "Checkpoint step \(entry.step): score \(formatCompact(score)) over the data. ←/→ scrub, Enter continues training from it."
        }
        let s = session.settings
        if let placement = session.placement {
            return "Place centre \(ClusterName.of(placement.placed.count)) of \(s.k): arrows move, Enter places (or click); Esc cancels."
        }
        guard let frame = session.currentFrame else { return "No run: fix the settings (s)." }
        if frame.converged && session.atLatest {
            return "Converged: loss changed by less than \(formatCompact(s.relativeTolerance)) (relative). n keeps stepping; r restarts."
        }
        let cosine = s.metric == .cosine
        switch (frame.nextPhase, s.useMiniBatch) {
        case (.assigned, false):
            return cosine
                ? "Next: assign. Each point joins the centre with the smallest 1 − cos (direction only)."
                : "Next: assign. Each point joins its nearest centre (squared Euclidean; ties → lower index)."
        case (.updated, false):
            let empty = s.emptyClusterPolicy == .origin ? "an empty one goes to the origin" : "an empty one jumps to the farthest point"
            return cosine
                ? "Next: update. Each centre becomes the unit mean direction of its points; \(empty)."
                : "Next: update. Each centre moves to the mean of its points; \(empty)."
        case (.assigned, true):
            let m = s.miniBatchStepsPerIteration
            let sync = m > 1 && (frame.state.updateInSteps ?? 0) <= 0 ? "Sync frozen ← working centres, then d" : "D"
            return "Next: assign. \(sync)raw batch #\(frame.state.globalStep + 1) (\(min(s.batchSize, session.dataSet.points.rows)) pts); each joins its nearest \(m > 1 ? "frozen " : "")centre."
        case (.updated, true):
            return "Next: update. A centre with n points so far and m new ones moves by (sum − m·c)/(n + m)."
        case (.initialized, _):
            return ""
        }
    }

    /// The key bar's entries for what has the keyboard.
    static func keyBarEntries(_ session: Session) -> [(key: String, label: String)] {
        switch session.overlay {
        case .help: [("↑↓", "scroll"), ("PgUp/PgDn", "page"), ("Esc", "close"), ("q", "quit")]
        case .settings: [("↑↓", "field"), ("←→", "change"), ("0-9", "type"), ("Enter", "apply+restart"), ("Esc", "cancel")]
        case .checkpoints: [("←→", "scrub"), ("Enter", "continue from here"), ("Esc", "back"), ("q", "quit")]
        case .none:
            session.placement != nil
                ? [("arrows", "move"), ("HJKL", "move 8"), ("Enter", "place"), ("click", "place"), ("Esc", "cancel"), ("q", "quit")]
                : Keymap.barEntries(Keymap.main)
        }
    }


}

/// Right-aligns (or left-aligns) `text` in `width` columns, clipping when longer.
func pad(_ text: String, _ width: Int, left: Bool = true) -> String {
    let count = text.unicodeScalars.count
    if count >= width { return String(String.UnicodeScalarView(text.unicodeScalars.prefix(width))) }
    let spaces = String(repeating: " ", count: width - count)
    return left ? spaces + text : text + spaces
}

extension String {
    func replacingScalar(_ scalar: Unicode.Scalar, with replacement: String) -> String {
        var out = ""
        for s in unicodeScalars { if s == scalar { out += replacement } else { out.unicodeScalars.append(s) } }
        return out
    }
}
