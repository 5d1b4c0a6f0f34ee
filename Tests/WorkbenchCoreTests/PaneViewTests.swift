import KMeansCore
import Testing
@testable import WorkbenchCore

/// The header, side, checkpoint and scatter panes drawn on their own grids (issue 11).
@Suite("Workbench pane views")
struct PaneViewTests {
    static let mono = ViewTests.mono
    static let color = Palette(tier: .truecolor)

    @Test(arguments: [80, 200], [true, false])
    func headerShowsDataAndPausedMarkerAtRightEdge(width: Int, unicode: Bool) {
        var grid = CellGrid(width: width, height: 2)
        HeaderView(dataName: "blobs", rows: 300, columns: 2, projection: "x0, x1", state: .paused, unicode: unicode, palette: Self.color)
            .render(into: &grid, area: Rect(x: 0, y: 0, width: width, height: 1))
        let row = grid.rowText(0)
        #expect(row.hasPrefix(unicode ? " kmeans workbench │ blobs 300×2 │ x0, x1" : " kmeans workbench | blobs 300x2 | x0, x1"), "\(row)")
        let marker = unicode ? " ⏸ PAUSED " : " || PAUSED "
        #expect(row.hasSuffix(marker), "\(row)")
        let markerX = width - marker.unicodeScalars.count
        #expect(grid[markerX, 0].style.background == Self.color.warning && grid[markerX, 0].style.attributes.contains(.bold))
        #expect(grid[markerX - 1, 0].style.background == Self.color.accent)
        #expect(grid.rowText(1).trimmingSuffix().isEmpty)
    }

    @Test func headerMarkersSayRunState() {
        let cases: [(HeaderView.RunState, String)] = [
            (.checkpoint(step: 42), " CHECKPOINT step 42 "), (.placing, " PLACING CENTRES "),
            (.computing, " ⧗ COMPUTING (Esc stops) "), (.running(speed: 0.5), " ▶ RUNNING 0.5/s "), (.running(speed: 12.7), " ▶ RUNNING 12/s "),
        ]
        for (state, marker) in cases {
            var grid = CellGrid(width: 80, height: 1)
            HeaderView(dataName: "d", rows: 1, columns: 1, projection: "p", state: state, unicode: true, palette: Self.mono)
                .render(into: &grid, area: Rect(x: 0, y: 0, width: 80, height: 1))
            #expect(grid.rowText(0).hasSuffix(marker), "\(grid.rowText(0))")
            #expect(grid[79, 0].style.attributes == [.bold, .reverse, .underline])
            #expect(grid[0, 0].style.attributes == [.reverse])
        }
    }

    // MARK: side panel

    /// Two iterations' statistics of a run with `k` clusters (centre moves for the first two clusters only).
    static func stats() -> [IterationStats] {
        [IterationStats(step: 1, score: 812.5, maxDelta: 2.25, centerDeltas: [2.25, 1], moved: 300),
         IterationStats(step: 2, score: 96.75, maxDelta: 0.5, centerDeltas: [0.5, 0], moved: 12)]
    }

    static func runPanel(_ settings: WorkbenchSettings, sizes: [Int], counts: [Int64]? = nil, pointCount: Int = 1_000_000,
                         unicode: Bool = true) -> SidePanelView {
        let run = SidePanelView.Run(step: 12, nextPhase: .assigned, position: 5, count: 9, replaying: true, clusterSizes: sizes,
                                    clusterCounts: counts, updateInSteps: 1, stats: stats())
        return SidePanelView(settings: settings, content: .run(run), marker: .braille, pointCount: pointCount, voronoi: true,
                             unicode: unicode, palette: color)
    }

    /// The text of `grid` from column `x` of row `y`, `count` cells long.
    static func text(_ grid: CellGrid, x: Int, y: Int, _ count: Int) -> String {
        String(String.UnicodeScalarView((x..<(x + count)).map { grid[$0, y].glyph }))
    }

    /// The first row whose text contains `needle`, if any.
    static func row(of needle: String, in grid: CellGrid) -> Int? { (0..<grid.height).first { grid.rowText($0).contains(needle) } }

    @Test(arguments: [30, 38])
    func sidePanelShowsTheRunLegendTableAndSparklines(width: Int) throws {
        var grid = CellGrid(width: width, height: 27)
        Self.runPanel(WorkbenchSettings(), sizes: [1_000_000, 0, 250_407]).render(into: &grid, area: Rect(x: 0, y: 0, width: width, height: 27))
        #expect(grid[0, 0].glyph == "┌" && grid[width - 1, 26].glyph == "┘" && grid.rowText(0).contains("Run"))
        #expect(Self.text(grid, x: 2, y: 1, 21) == "step 12  next: assign" && grid[2, 1].style.attributes == [.bold])
        #expect(Self.text(grid, x: 2, y: 2, 21) == "history 5/9  (replay)" && grid[2, 2].style.foreground == Self.color.muted)
        #expect(grid.rowText(6).contains(width > 30 ? "marker braille + density + Voronoi" : "marker braille + density"))
        #expect(grid.rowText(7).contains("empty → origin (TF)"))
        // Legend from row 9: swatch, glyph, reversed letter, then size, (no count in full batch) and last move.
        #expect(grid.rowText(9).contains("#     size") && !grid.rowText(9).contains("count"))
        for (j, letter) in ["A", "B", "C"].enumerated() {
            #expect(grid[5, 10 + j].glyph == Unicode.Scalar(letter)! && grid[5, 10 + j].style.attributes == [.bold, .reverse])
            #expect(grid[5, 10 + j].style.foreground == Self.color.cluster(j) && grid[2, 10 + j].glyph == "●")
        }
        #expect(Self.text(grid, x: 6, y: 10, 6) == "  1.0M" && Self.text(grid, x: 6, y: 11, 6) == "     0" && Self.text(grid, x: 6, y: 12, 6) == "  250K")
        #expect(Self.text(grid, x: 6 + 13, y: 10, 9) == numberColumn(0.5, 9) && Self.text(grid, x: 6 + 13, y: 12, 9) == pad("–", 9))
        // The table lists both iterations; the sparklines sit on the panel's last rows.
        let header = try #require(Self.row(of: "score", in: grid))
        #expect(header == 14 && grid.rowText(15).contains("812.5") && grid.rowText(16).contains("96.75"))
        #expect(Self.text(grid, x: 2, y: 22, 8) == "score █▁" && grid[8, 22].style.foreground == Self.color.accent)
        #expect(grid.rowText(23).contains("min 96.75  max 812.5"))
        #expect(Self.text(grid, x: 2, y: 24, 8) == "Δmax  █▁")
    }

    @Test func sidePanelInMiniBatchNamesTheBatchLossAndCounts() {
        var settings = WorkbenchSettings()
        settings.useMiniBatch = true; settings.batchSize = 32; settings.miniBatchStepsPerIteration = 2
        var grid = CellGrid(width: 38, height: 27)
        Self.runPanel(settings, sizes: [40, 60, 0], counts: [1234, 56]).render(into: &grid, area: Rect(x: 0, y: 0, width: 38, height: 27))
        let text = ViewTests.text(grid)
        #expect(text.contains("b.loss: loss of the batch only") && text.contains("B=32 M=2  sync in 1"))
        #expect(grid.rowText(10).contains("count"))
        #expect(Self.text(grid, x: 6, y: 11, 13) == countColumn(40, 6) + countColumn(1234, 7))
        #expect(Self.text(grid, x: 6, y: 13, 13) == countColumn(0, 6) + pad("", 7)) // no count for the third cluster
        #expect(grid.rowText(15).contains("b.loss") && !text.contains("score"))
        #expect(Self.text(grid, x: 2, y: 22, 6) == "b.loss")
    }

    @Test(arguments: [true, false])
    func sidePanelSaysHowManyClustersDoNotFit(unicode: Bool) {
        var settings = WorkbenchSettings()
        settings.k = 30
        var grid = CellGrid(width: 38, height: 27)
        Self.runPanel(settings, sizes: [5, 5], pointCount: 100, unicode: unicode).render(into: &grid, area: Rect(x: 0, y: 0, width: 38, height: 27))
        // 16 rows below the legend header, 7 kept for the table and sparklines: 9 clusters shown.
        #expect(grid[5, 18].glyph == "I" && grid.rowText(19).contains("… 21 more"))
        #expect(!ViewTests.text(grid).contains(" J "))
        #expect(grid.rowText(6).contains("marker braille (large) + Voronoi"))
        #expect(grid[0, 0].glyph == (unicode ? "┌" : "+") && grid[2, 10].glyph == (unicode ? "●" : Self.color.pointGlyph(0)))
    }

    @Test func sidePanelWithoutARunSaysWhyOrShowsThePlacedCentres() {
        var grid = CellGrid(width: 30, height: 20)
        let area = Rect(x: 0, y: 0, width: 30, height: 20)
        SidePanelView(settings: WorkbenchSettings(), content: .noRun(reason: "k must be at least 1"), marker: .braille, pointCount: 10,
                      voronoi: false, unicode: true, palette: Self.color).render(into: &grid, area: area)
        #expect(Self.text(grid, x: 2, y: 1, 20) == "k must be at least 1" && grid[2, 1].style.foreground == Self.color.error)
        #expect(grid.rowText(2) == "│" + String(repeating: " ", count: 28) + "│")
        grid = CellGrid(width: 30, height: 20)
        SidePanelView(settings: WorkbenchSettings(), content: .placing(placed: [(1.5, -2), (3, 4.25)]), marker: .braille, pointCount: 10,
                      voronoi: false, unicode: true, palette: Self.color).render(into: &grid, area: area)
        #expect(grid.rowText(1).contains("placing centres: 2 of 3") && grid.rowText(3).contains("full batch"))
        #expect(Self.text(grid, x: 2, y: 5, 18) == "A at 1.500, -2.000" && Self.text(grid, x: 2, y: 6, 17) == "B at 3.000, 4.250")
        #expect(grid[2, 5].style.attributes == [.bold, .reverse] && grid[3, 5].style.attributes == [])
    }
}
