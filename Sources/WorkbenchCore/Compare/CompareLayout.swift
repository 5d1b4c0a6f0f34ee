/// Where the compare screen's parts go: header, the runs' panes (side by side, stacked or 2×2), the shared score
/// chart, the verdict line, optional caption lines (a lesson) and the key bar. Pure arithmetic.
public struct CompareLayout: Sendable, Equatable {
    /// Smallest pane drawn (its title row included); smaller panes give way to an "enlarge" message.
    public static let minimumPane = (width: 30, height: 10)

    /// Screen size in cells.
    public let width: Int, height: Int
    /// How many runs are compared.
    public let runCount: Int
    /// Rows of caption text above the key bar (0 outside a lesson).
    public let captionRows: Int

    /// Creates the layout.
    public init(width: Int, height: Int, runCount: Int, captionRows: Int = 0) {
        self.width = width
        self.height = height
        self.runCount = runCount
        self.captionRows = captionRows
    }

    /// Whether the screen is big enough for the workbench at all (the main screen's minimum).
    public var fits: Bool { width >= Layout.minimumWidth && height >= Layout.minimumHeight }
    /// Header bar.
    public var header: Rect { Rect(x: 0, y: 0, width: width, height: 1) }
    /// Key bar.
    public var keyBar: Rect { Rect(x: 0, y: height - 1, width: width, height: 1) }
    /// Caption lines (a lesson's), just above the key bar.
    public var caption: Rect { Rect(x: 0, y: height - 1 - captionRows, width: width, height: captionRows) }
    /// The verdict line.
    public var verdict: Rect { Rect(x: 0, y: caption.y - 1, width: width, height: 1) }
    /// The shared score chart.
    public var chart: Rect {
        let rows = height >= 40 ? 10 : 7
        return Rect(x: 0, y: verdict.y - rows, width: width, height: rows)
    }
    /// Everything between the header and the chart.
    public var panesArea: Rect { Rect(x: 0, y: 1, width: width, height: chart.y - 1) }

    /// Columns and rows of panes: side by side, or 2×2 (stacked for two), whichever gives each plot the larger square
    /// (a cell is about twice as tall as wide); nil when no arrangement keeps the minimum pane.
    public var grid: (columns: Int, rows: Int)? {
        let candidates = runCount <= 2 ? [(runCount, 1), (1, runCount)] : [(runCount, 1), (2, 2)]
        let area = panesArea
        let fitting = candidates.filter { columns, rows in
            area.width / columns >= Self.minimumPane.width && area.height / rows >= Self.minimumPane.height
        }
        func square(_ arrangement: (Int, Int)) -> Int {
            min(area.width / arrangement.0 - Layout.yLabelWidth - 2, 2 * (area.height / arrangement.1 - 4))
        }
        return fitting.max { square($0) < square($1) }.map { (columns: $0.0, rows: $0.1) }
    }

    /// Each run's pane (title row first), left to right then top to bottom; empty when they do not fit.
    public var panes: [Rect] {
        guard let grid else { return [] }
        let area = panesArea
        return (0..<runCount).map { run in
            let column = run % grid.columns, row = run / grid.columns
            let x = area.x + column * area.width / grid.columns, y = area.y + row * area.height / grid.rows
            let right = area.x + (column + 1) * area.width / grid.columns, bottom = area.y + (row + 1) * area.height / grid.rows
            return Rect(x: x, y: y, width: right - x, height: bottom - y)
        }
    }

    /// The screen size a run is rendered at for `pane`: the compact layout's scatter pane is then the pane below
    /// its title row.
    public static func sessionSize(for pane: Rect) -> (width: Int, height: Int) { (pane.width, pane.height + 2) }
}
