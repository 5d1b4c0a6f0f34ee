import KMeansCore
import KMeansEstimator
import Testing
@testable import WorkbenchCore

/// The checkpoint view of issue 15 on its own grids: the panel (list, toggles, content), the loss chart and the
/// variables table; the follow logic in the session (scores kept, auto-jump).
@Suite("Checkpoint view")
struct CheckpointViewTests {
    static let mono = ViewTests.mono
    static let miniBatchScores = [15_555_659.0, 15_552_153, 15_550_868]

    static func panel(display: CheckpointDisplay, width: Int = 38, height: Int = 27) -> CellGrid {
        let rows = Self.miniBatchScores.enumerated().map { CheckpointPanelView.Row(step: 2000 * ($0.offset + 1), score: $0.element, k: 3) }
        let chart = LossChartView(series: [], checkpointSteps: rows.map(\.step), selectedStep: 4000, unicode: true, palette: mono)
        let variables = CheckpointVariablesView(
            centers: Matrix([[1.25, 2.5], [3.125, 4.0625], [5, 6]]), counts: [10, 20, 30], columnNames: ["a", "b"],
            variables: [CheckpointVariable(name: "global_step", type: "int64", shape: [], value: "4000"),
                        CheckpointVariable(name: "clusters_updated", type: "float32", shape: [3, 2], value: nil)],
            fullPrecision: display.fullPrecision, palette: mono)
        var grid = CellGrid(width: width, height: height)
        CheckpointPanelView(origin: "m", rows: rows, selected: 1, display: display, chart: chart, variables: variables, unicode: true, palette: mono)
            .render(into: &grid, area: Rect(x: 0, y: 0, width: width, height: height))
        return grid
    }

    @Test func fullPrecisionTellsNeighbouringMiniBatchScoresApart() {
        let compact = ViewTests.text(Self.panel(display: CheckpointDisplay()))
        #expect(compact.components(separatedBy: "1.56e7").count - 1 == 3, "\(compact)")
        var display = CheckpointDisplay()
        display.fullPrecision = true
        let full = ViewTests.text(Self.panel(display: display))
        for score in ["15555659", "15552153", "15550868"] { #expect(full.contains(score), "\(full)") }
        #expect(!full.contains("1.56e7") && full.contains("digits full [x]"))
        #expect(formatFull(Double(Float(3837.27))) == "3837.27" && formatFull(1.5e20) == "1.5e20" && formatFull(-42) == "-42")
    }

    @Test func panelShowsTheTogglesAndSwitchesItsContent() {
        var display = CheckpointDisplay()
        display.autoJump = false
        let chart = Self.panel(display: display)
        let chartText = ViewTests.text(chart)
        #expect(chartText.contains("auto-jump off [a]") && chartText.contains("loss · Tab: variables") && chartText.contains("no loss events yet"))
        #expect(!chartText.contains("global_step"))
        display.content = .variables
        let table = ViewTests.text(Self.panel(display: display))
        #expect(table.contains("variables · Tab: loss"))
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("A") && $0.contains("1.250") && $0.contains("2.500") && $0.contains("10") }, "\(table)")
        #expect(lines.contains { $0.contains("global_step") && $0.contains("4000") })
        #expect(lines.contains { $0.contains("clusters_updated") && $0.contains("float32 [3×2]") })
        // The selected row is highlighted; too short a panel draws the list only.
        #expect(lines.firstIndex { $0.contains("4000") && $0.contains("1.56e7") } != nil)
        let short = ViewTests.text(Self.panel(display: display, height: 8))
        #expect(short.contains("6000") && !short.contains("Tab:"))
    }

    @Test(arguments: [true, false])
    func lossChartFallsAndMarksTheCheckpoints(unicode: Bool) {
        let loss = (0...100).map { EventScalarPoint(step: Int64($0 * 10), value: 1000 - Double($0) * 9) }
        let eval = [EventScalarPoint(step: 500, value: 7), EventScalarPoint(step: 1000, value: 5)]
        let view = LossChartView(series: [.init(label: "loss", points: loss), .init(label: "eval/score", points: eval)],
                                 checkpointSteps: [0, 500, 1000], selectedStep: 500, unicode: unicode, palette: Self.mono)
        var grid = CellGrid(width: 30, height: 14)
        view.render(into: &grid, area: Rect(x: 0, y: 0, width: 30, height: 14))
        let mark: Unicode.Scalar = unicode ? "•" : "*"
        func row(ofColumn x: Int, glyph: Unicode.Scalar) -> Int? { (0..<14).first { grid[x, $0].glyph == glyph } }
        let firstRow = row(ofColumn: 0, glyph: mark), lastRow = row(ofColumn: 29, glyph: mark)
        #expect(firstRow != nil && lastRow != nil && firstRow! < lastRow!, "the loss falls: \(ViewTests.text(grid))")
        // The band's range is that of the drawn column means: the first column holds steps 0 and 10 (1000, 991),
        // the last 990 and 1000 (109, 100).
        #expect(grid.rowText(0).hasPrefix("loss \(formatCompact(209.0 / 2))" + (unicode ? "–" : "-") + "\(formatCompact(1991.0 / 2)), last 100.0"),
                "\(grid.rowText(0))")
        #expect(grid.rowText(6).hasPrefix("eval/score 5"), "\(ViewTests.text(grid))")
        let axis = grid.rowText(12)
        #expect(axis.unicodeScalars.first == (unicode ? "┴" : "+") && axis.unicodeScalars.last == (unicode ? "┴" : "+"))
        #expect(grid[15, 12].glyph == (unicode ? "▲" : "^") && grid[15, 12].style.attributes.contains(.bold))
        #expect(grid.rowText(13).hasPrefix("step 0") && grid.rowText(13).trimmingSuffix().hasSuffix("1000"))
        #expect(grid.rowText(12).unicodeScalars.allSatisfy(\.isASCII) || unicode)
    }

    @Test func followingKeepsScoresOfUnchangedEntriesAndAutoJumps() {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        let entries = CheckpointFixtures.entries
        session.setCheckpoints(Array(entries.prefix(2)), origin: "demo")
        #expect(session.checkpointBrowser.scoredCount == 2)
        session.openCheckpoints(selected: 1)
        session.followCheckpoints(entries, origin: "demo")
        #expect(session.checkpointBrowser.scoredCount == 3, "only the new entry is scored")
        #expect(session.overlay == .checkpoints(selected: 2), "auto-jump shows the new newest")
        #expect(session.checkpointBrowser.scores == entries.map { session.evaluate($0)?.score })
        // Off: the view stays on its step while one is added and the oldest is deleted.
        session.handle(.character("a"))
        #expect(!session.checkpointBrowser.display.autoJump)
        session.handle(.left)
        let newer = CheckpointEntry(step: 15, name: "model.ckpt-15", centers: Matrix([[200, 300], [500, 800], [800, 300]]))
        session.followCheckpoints(Array(entries.dropFirst()) + [newer], origin: "demo")
        #expect(session.checkpoints.map(\.step) == [5, 10, 15] && session.overlay == .checkpoints(selected: 0))
        #expect(session.checkpointBrowser.scoredCount == 4)
        session.handle(.character("a"))
        #expect(session.overlay == .checkpoints(selected: 2), "turning auto-jump on shows the newest")
        session.handle(.tab)
        #expect(session.checkpointBrowser.display.content == .variables)
        session.handle(.character("x"))
        #expect(session.checkpointBrowser.display.fullPrecision && session.overlay == .checkpoints(selected: 2))
    }
}
