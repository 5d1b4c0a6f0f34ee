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
}
