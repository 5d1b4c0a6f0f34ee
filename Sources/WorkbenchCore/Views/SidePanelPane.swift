import KMeansCore

/// The side panel: run settings, cluster legend, iteration table and sparklines.
extension Renderer {
    // MARK: side panel

    func drawSidePanel(_ grid: inout CellGrid, session: Session, layout: Layout) {
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
        let pointStyle: String
        switch Renderer.pointStyle(pointCount: session.dataSet.points.rows) {
        case .large: pointStyle = marker == .braille ? " (large)" : ""
        case .plain: pointStyle = ""
        case .density: pointStyle = " + density"
        }
        line("marker \(marker.rawValue)" + pointStyle + (session.view.voronoi ? " + Voronoi" : ""), label)
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
        if let agreement = session.agreement(cache: cache) { AgreementView(agreement: agreement, coloredByTruth: session.view.colorByTruth, palette: palette).render(into: &grid, area: AgreementView.area(in: side, wanted: 2 + agreement.classNames.count)) }
    }

    func drawSpark(_ grid: inout CellGrid, x: Int, y: inout Int, bottom: Int, width: Int, sparkWidth: Int, name: String, values: [Double], unicode: Bool) {
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
}
