import KMeansEstimator

/// The event files' loss (and eval score) over the global steps, one band per series with its own value range,
/// the checkpoints' steps marked on the step axis and the selected one highlighted.
public struct LossChartView: Sendable {
    /// One series: its label (`loss`, `eval/score`) and points in file order.
    public struct Series: Sendable, Equatable {
        /// Shown in the band's legend.
        public var label: String
        /// The points.
        public var points: [EventScalarPoint]

        /// Creates a series.
        public init(label: String, points: [EventScalarPoint]) {
            self.label = label
            self.points = points
        }
    }

    /// The series, drawn top to bottom (empty ones left out).
    public var series: [Series]
    /// The checkpoints' global steps.
    public var checkpointSteps: [Int]
    /// The selected checkpoint's step.
    public var selectedStep: Int?
    /// Whether Unicode glyphs may be drawn.
    public var unicode: Bool
    /// Colours for the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(series: [Series], checkpointSteps: [Int], selectedStep: Int?, unicode: Bool, palette: Palette) {
        self.series = series
        self.checkpointSteps = checkpointSteps
        self.selectedStep = selectedStep
        self.unicode = unicode
        self.palette = palette
    }

    /// The training `loss` and the first eval run's `score` (else its `loss`) of a model_dir's scalars.
    public static func series(from scalars: [EventScalarSeries]) -> [Series] {
        var out: [Series] = []
        if let loss = scalars.first(where: { $0.run == "." && $0.tag == "loss" }) { out.append(Series(label: "loss", points: loss.points)) }
        let evals = scalars.filter { $0.run.hasPrefix("eval") }
        if let eval = evals.first(where: { $0.tag == "score" }) ?? evals.first(where: { $0.tag == "loss" }) {
            out.append(Series(label: "\(eval.run)/\(eval.tag)", points: eval.points))
        }
        return out
    }

    /// Draws the chart into `area` (at least 4 rows and 12 columns, else nothing).
    public func render(into grid: inout CellGrid, area: Rect) {
        guard area.height >= 4, area.width >= 12 else { return }
        let drawn = series.filter { !$0.points.isEmpty }
        let steps = drawn.flatMap { $0.points.map { Int($0.step) } } + checkpointSteps
        let low = steps.min() ?? 0, high = max(steps.max() ?? 0, low)
        let muted = CellStyle(foreground: palette.muted)
        func column(_ step: Int) -> Int {
            high == low ? 0 : Int((Double(step - low) / Double(high - low) * Double(area.width - 1)).rounded())
        }
        let plotRows = area.height - 2
        if drawn.isEmpty {
            grid.put("no loss events yet", x: area.x, y: area.y, style: muted, maxWidth: area.width)
        }
        let band = drawn.isEmpty ? 0 : plotRows / drawn.count
        for (index, one) in drawn.enumerated() where band >= 2 {
            drawBand(one, index: index, into: &grid, area: Rect(x: area.x, y: area.y + index * band, width: area.width, height: band), column: column)
        }
        // The step axis: checkpoints marked, the selected one highlighted; the step range under it.
        let axisY = area.y + area.height - 2
        grid.fill(x: area.x, y: axisY, width: area.width, height: 1, with: Cell(unicode ? "─" : "-", style: muted))
        for step in checkpointSteps { grid[area.x + column(step), axisY] = Cell(unicode ? "┴" : "+", style: muted) }
        if let selectedStep {
            grid[area.x + column(selectedStep), axisY] = Cell(unicode ? "▲" : "^", style: CellStyle(foreground: palette.warning, attributes: [.bold]))
        }
        let last = String(high)
        grid.put("step \(low)", x: area.x, y: axisY + 1, style: muted, maxWidth: area.width)
        grid.put(last, x: area.x + area.width - last.unicodeScalars.count, y: axisY + 1, style: muted)
    }

    /// One series in `area`: a legend row, then the mean of each column's points, scaled to the band's rows.
    private func drawBand(_ one: Series, index: Int, into grid: inout CellGrid, area: Rect, column: (Int) -> Int) {
        var sums = [Double](repeating: 0, count: area.width), counts = [Int](repeating: 0, count: area.width)
        for point in one.points where point.value.isFinite {
            let c = min(area.width - 1, max(0, column(Int(point.step))))
            sums[c] += point.value
            counts[c] += 1
        }
        let means = (0..<area.width).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
        let values = means.compactMap { $0 }
        guard let low = values.min(), let high = values.max() else { return }
        let dash = unicode ? "–" : "-"
        let legend = "\(one.label) \(formatCompact(low))\(dash)\(formatCompact(high)), last \(formatCompact(one.points.last!.value))"
        let color = index == 0 ? palette.accent : palette.good
        grid.put(legend, x: area.x, y: area.y, style: CellStyle(foreground: color), maxWidth: area.width)
        let rows = area.height - 1
        let glyph: Unicode.Scalar = index == 0 ? (unicode ? "•" : "*") : (unicode ? "∘" : "o")
        for (c, mean) in means.enumerated() {
            guard let mean else { continue }
            let fraction = high > low ? (high - mean) / (high - low) : 0.5
            let row = Int((fraction * Double(rows - 1)).rounded())
            grid[area.x + c, area.y + 1 + row] = Cell(glyph, style: CellStyle(foreground: color))
        }
    }
}
