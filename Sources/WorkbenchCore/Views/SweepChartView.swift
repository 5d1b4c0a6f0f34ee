import KMeansCore
import KMeansEstimator

/// The sweep's chart: the elbow of the best score per k above, the silhouette per k below (saying whether it is
/// exact or sampled), one shared k axis, and a cursor column on one k. Rows not finished yet leave their k empty.
public struct SweepChartView: Sendable {
    /// The k values of the axis.
    public var ks: ClosedRange<Int>
    /// The finished rows.
    public var rows: [KSweepRow]
    /// The k under the cursor.
    public var cursorK: Int
    /// Whether Unicode may be drawn.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Width of the y tick labels.
    static let labelWidth = 8
    /// The smallest area the chart draws in (two rows per series).
    public static let minimumHeight = 7

    /// Creates the view.
    public init(ks: ClosedRange<Int>, rows: [KSweepRow], cursorK: Int, unicode: Bool, palette: Palette) {
        self.ks = ks; self.rows = rows; self.cursorK = cursorK; self.unicode = unicode; self.palette = palette
    }

    /// How the silhouette was computed, as the title of its series.
    public var silhouetteTitle: String {
        guard let first = rows.compactMap(\.silhouette).first else {
            return rows.contains { $0.k > 1 } ? "silhouette (undefined)" : "silhouette (none yet; undefined for k = 1)"
        }
        if let seed = first.sampleSeed {
            return "silhouette (sampled: \(first.evaluatedPoints) of \(first.totalPoints) points, seed \(seed))"
        }
        return "silhouette (exact, \(first.totalPoints) points)"
    }

    /// The column of `k` in a plot starting at `left` and `width` wide.
    func column(of k: Int, left: Int, width: Int) -> Int {
        let count = ks.count
        guard count > 1 else { return left + width / 2 }
        return left + (k - ks.lowerBound) * max(0, width - 1) / (count - 1)
    }

    /// Draws into `area` (at least `minimumHeight` rows; less draws nothing).
    public func render(into grid: inout CellGrid, area: Rect) {
        guard area.height >= Self.minimumHeight, area.width > Self.labelWidth + 4 else { return }
        let left = area.x + Self.labelWidth + 1
        let width = area.width - Self.labelWidth - 1
        let plotRows = area.height - 3
        let scoreRows = max(2, (plotRows * 3 + 2) / 5)
        let silhouetteRows = plotRows - scoreRows
        let muted = CellStyle(foreground: palette.muted)
        grid.put("score (best of restarts per k)", x: left, y: area.y, style: muted, maxWidth: width)
        let scores = rows.map { (k: $0.k, value: Double($0.score)) }
        drawSeries(&grid, values: scores, top: area.y + 1, height: scoreRows, left: left, width: width,
                   style: CellStyle(foreground: palette.accent, attributes: .bold))
        let silhouetteTop = area.y + 2 + scoreRows
        grid.put(silhouetteTitle, x: left, y: silhouetteTop - 1, style: muted, maxWidth: width)
        let silhouettes = rows.compactMap { row in row.silhouette.map { (k: row.k, value: $0.score) } }
        drawSeries(&grid, values: silhouettes, top: silhouetteTop, height: silhouetteRows, left: left, width: width,
                   style: CellStyle(foreground: palette.good, attributes: .bold))
        drawAxis(&grid, y: silhouetteTop + silhouetteRows, left: left, width: width)
        if ks.contains(cursorK) {
            let x = column(of: cursorK, left: left, width: width)
            for y in [area.y + 1 ..< area.y + 1 + scoreRows, silhouetteTop ..< silhouetteTop + silhouetteRows].joined() {
                var cell = grid[x, y]
                cell.style.attributes.insert(.reverse)
                grid[x, y] = cell
            }
        }
    }

    /// One series: tick labels (max at the top row, min at the bottom), markers per k, dots between them.
    private func drawSeries(_ grid: inout CellGrid, values: [(k: Int, value: Double)], top: Int, height: Int,
                            left: Int, width: Int, style: CellStyle) {
        let axisX = left - 1
        for y in top..<(top + height) { grid[axisX, y] = Cell(unicode ? "│" : "|", style: CellStyle(foreground: palette.muted)) }
        guard let low = values.map(\.value).min(), let high = values.map(\.value).max() else { return }
        func row(_ value: Double) -> Int {
            guard high > low else { return top + height / 2 }
            return top + Int(((high - value) / (high - low) * Double(height - 1)).rounded())
        }
        let tick: Unicode.Scalar = unicode ? "┤" : "+"
        grid.put(pad(formatCompact(high), Self.labelWidth - 1), x: axisX - Self.labelWidth, y: row(high))
        grid[axisX, row(high)] = Cell(tick, style: CellStyle(foreground: palette.muted))
        if high > low {
            grid.put(pad(formatCompact(low), Self.labelWidth - 1), x: axisX - Self.labelWidth, y: row(low))
            grid[axisX, row(low)] = Cell(tick, style: CellStyle(foreground: palette.muted))
        }
        let dot = Cell(unicode ? "·" : ".", style: CellStyle(foreground: style.foreground))
        for (a, b) in zip(values, values.dropFirst()) where b.k == a.k + 1 {
            let xa = column(of: a.k, left: left, width: width), xb = column(of: b.k, left: left, width: width)
            guard xb - xa > 1 else { continue }
            for x in (xa + 1)..<xb {
                let t = Double(x - xa) / Double(xb - xa)
                grid[x, row(a.value + (b.value - a.value) * t)] = dot
            }
        }
        for point in values {
            grid[column(of: point.k, left: left, width: width), row(point.value)] = Cell(unicode ? "●" : "o", style: style)
        }
    }

    /// The k axis: a label under every k that fits (the cursor's always, bold and reversed).
    private func drawAxis(_ grid: inout CellGrid, y: Int, left: Int, width: Int) {
        grid.put("k", x: left - 3, y: y, style: CellStyle(foreground: palette.muted))
        var freeFrom = left - 1
        let cursorLabel = "\(cursorK)"
        let cursorStart = column(of: cursorK, left: left, width: width) - (cursorLabel.count - 1) / 2
        for k in ks {
            let label = "\(k)"
            let start = column(of: k, left: left, width: width) - (label.count - 1) / 2
            let overlapsCursor = k != cursorK && ks.contains(cursorK) && start + label.count >= cursorStart && start <= cursorStart + cursorLabel.count
            guard k == cursorK || (start > freeFrom && !overlapsCursor) else { continue }
            let style = k == cursorK ? CellStyle(attributes: [.reverse, .bold]) : CellStyle(foreground: palette.muted)
            freeFrom = grid.put(label, x: start, y: y, style: style)
        }
    }
}
