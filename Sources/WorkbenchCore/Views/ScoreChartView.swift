import Foundation

/// The compare screen's shared score chart: one line per run (its number at each iteration, dots between, in its
/// colour), score against iteration, the highest and lowest score on the left, the runs named in the bottom edge.
public struct ScoreChartView: Sendable {
    /// Each run's score per iteration (the first is iteration 1).
    public var series: [[Double]]
    /// Each run's name, in the same order.
    public var names: [String]
    /// Whether Unicode box drawing may be used.
    public var unicode: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(series: [[Double]], names: [String], unicode: Bool, palette: Palette) {
        self.series = series
        self.names = names
        self.unicode = unicode
        self.palette = palette
    }

    /// Width of the score labels on the left.
    static let labelWidth = 7

    /// The mark a run's line is drawn with: its number, 1 to 9.
    public static func mark(_ run: Int) -> Unicode.Scalar { Unicode.Scalar(UInt8(49 + run % 9)) }

    /// The colour a run's line is drawn in.
    public static func colour(_ run: Int, palette: Palette) -> TerminalColor {
        [palette.accent, palette.warning, palette.good, palette.error][run % 4]
    }

    /// Draws the chart in `area` (a box; nothing when smaller than 20×4).
    public func render(into grid: inout CellGrid, area: Rect) {
        guard area.width >= 20, area.height >= 4 else { return }
        let muted = CellStyle(foreground: palette.muted)
        let count = series.map(\.count).max() ?? 0
        grid.box(x: area.x, y: area.y, width: area.width, height: area.height,
                 title: count == 0 ? "score per iteration" : "score per iteration, 1…\(count)", style: muted, glyphs: unicode ? .unicode : .ascii)
        let legend = names.enumerated().map { "\(Self.mark($0.offset)) \($0.element)" }.joined(separator: "  ")
        grid.put(" " + legend + " ", x: area.x + 2, y: area.y + area.height - 1, style: muted, maxWidth: area.width - 4)
        let plot = Rect(x: area.x + 2 + Self.labelWidth, y: area.y + 1, width: area.width - Self.labelWidth - 4, height: area.height - 2)
        let values = series.flatMap { $0 }.filter(\.isFinite)
        guard let low = values.min(), let high = values.max() else {
            grid.put("no iterations yet: press n", x: plot.x, y: plot.y + plot.height / 2, style: muted, maxWidth: plot.width)
            return
        }
        // Scores 20 times apart or more (another metric, a batch loss) share the chart on a log scale.
        let logarithmic = low > 0 && high / low >= 20
        if logarithmic { grid.put(" log scale ", x: area.x + area.width - 13, y: area.y, style: muted) }
        func scaled(_ value: Double) -> Double { logarithmic ? log10(value) : value }
        grid.put(pad(formatCompact(high), Self.labelWidth - 1), x: area.x + 1, y: plot.y, style: muted)
        if plot.height > 1 { grid.put(pad(formatCompact(low), Self.labelWidth - 1), x: area.x + 1, y: plot.y + plot.height - 1, style: muted) }
        func position(_ i: Int, _ score: Double) -> (column: Int, row: Double) {
            let fraction = high > low ? (scaled(score) - scaled(low)) / (scaled(high) - scaled(low)) : 0.5
            return (count > 1 ? i * (plot.width - 1) / (count - 1) : 0, Double(plot.height - 1) * (1 - fraction))
        }
        // The dots joining each run's marks first, into empty cells only, so no mark is hidden by another run's line.
        let dot: Unicode.Scalar = unicode ? "·" : "."
        for (run, scores) in series.enumerated() {
            let style = CellStyle(foreground: Self.colour(run, palette: palette))
            for i in scores.indices.dropLast() where scores[i].isFinite && scores[i + 1].isFinite {
                let from = position(i, scores[i]), to = position(i + 1, scores[i + 1])
                guard to.column - from.column > 1 else { continue }
                for column in (from.column + 1)..<to.column {
                    let t = Double(column - from.column) / Double(to.column - from.column)
                    let row = Int((from.row + t * (to.row - from.row)).rounded())
                    if grid[plot.x + column, plot.y + row].glyph == " " { grid[plot.x + column, plot.y + row] = Cell(dot, style: style) }
                }
            }
        }
        for (run, scores) in series.enumerated() {
            let style = CellStyle(foreground: Self.colour(run, palette: palette), attributes: [.bold])
            for (i, score) in scores.enumerated() where score.isFinite {
                let point = position(i, score)
                grid[plot.x + point.column, plot.y + Int(point.row.rounded())] = Cell(Self.mark(run), style: style)
            }
        }
    }
}
