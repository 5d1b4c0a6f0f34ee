import KMeansCore
import Testing
@testable import WorkbenchCore

/// The compare screen: each pane is the single run with its settings (frames and cells), the shared chart on its own
/// grid, the layout at 80×24 and larger, lockstep keys, and `C` in the single-run workbench.
@Suite("Compare screen")
struct CompareScreenTests {
    static let data = DataSet.BuiltIn.blobs.dataSet
    static let keys: [Key.ScriptItem] = [.key(.character("n")), .key(.character("n")), .key(.character("h")), .key(.character("n"))]

    static func base() -> WorkbenchSettings {
        var base = WorkbenchSettings()
        base.k = 4
        return base
    }

    static func cells(_ grid: CellGrid, _ rect: Rect) -> [Cell] {
        (rect.y..<rect.y + rect.height).flatMap { y in (rect.x..<rect.x + rect.width).map { grid[$0, y] } }
    }

    @Test("each pane equals the single run with its settings: frames bit for bit, cells as the single-run renderer draws it", arguments: [
        (80, 24, ["init=random,seed=5", "init=kmeans_plus_plus"]),
        (130, 40, ["init=random,seed=5", "init=kmeans_plus_plus", "batch=32,M=3,seed=2", "metric=cosine,k=3"]),
    ])
    func paneEqualsSingleRun(width: Int, height: Int, texts: [String]) throws {
        let specs = try texts.map(CompareSpec.parse)
        var view = ViewOptions()
        view.marker = .braille
        let comparison = Headless.drive(try RunComparison(dataSet: Self.data, base: Self.base(), specs: specs, width: width, height: height, view: view),
                                        steps: 0, script: Self.keys)
        let renderer = Renderer(tier: .palette256)
        let screen = renderer.render(comparison)
        let panes = CompareLayout(width: width, height: height, runCount: specs.count).panes
        #expect(panes.count == specs.count)
        for (run, spec) in specs.enumerated() {
            let pane = panes[run]
            #expect(pane.width >= CompareLayout.minimumPane.width && pane.height >= CompareLayout.minimumPane.height)
            // The single run, sized to the pane and without side panel, driven by the same keys.
            var singleView = view
            singleView.sidePanel = false
            let size = CompareLayout.sessionSize(for: pane)
            let single = Headless.drive(Session(dataSet: Self.data, settings: try spec.apply(to: Self.base()), width: size.width, height: size.height,
                                                view: singleView), steps: 0, script: Self.keys)
            let a = try #require(comparison.runs[run].currentFrame), b = try #require(single.currentFrame)
            #expect(a.state.clusters.values.map(\.bitPattern) == b.state.clusters.values.map(\.bitPattern), "\(spec.label)")
            #expect(a.labels == b.labels && a.state.globalStep == 3)
            let drawn = renderer.render(single)
            let scatter = single.layout.pane
            #expect(Self.cells(screen, Rect(x: pane.x, y: pane.y + 1, width: pane.width, height: pane.height - 1)) == Self.cells(drawn, scatter),
                    "pane \(run + 1) (\(spec.label)) differs from the single run")
            let title = screen.rowText(pane.y)
            let score = formatCompact(try #require(single.statsUpToCursor.last).score)
            #expect(title.contains("\(run + 1)") && title.contains("step 3") && title.contains(score), "\(title)")
        }
        let text = SnapshotFormat.text.render(screen)
        #expect(screen.rowText(0).contains("compare \(specs.count) runs"))
        #expect(screen.rowText(height - 2).hasPrefix(" " + comparison.verdict.prefix(20)))
        #expect(screen.rowText(height - 1).contains("n step") && screen.rowText(height - 1).contains("q quit"))
        #expect(!text.contains("settings"), "only the lockstep keys are offered")
    }

    @Test("four runs at 80×24 ask for a larger terminal; two stack when side by side does not fit")
    func smallScreens() throws {
        let four = try (1...4).map { try CompareSpec.parse("seed=\($0)") }
        let comparison = try RunComparison(dataSet: Self.data, base: Self.base(), specs: four, width: 80, height: 24)
        let text = SnapshotFormat.text.render(Renderer(tier: .mono).render(comparison))
        #expect(text.contains("enlarge the terminal to compare 4 runs"))
        #expect(CompareLayout(width: 80, height: 24, runCount: 4).panes.isEmpty)
        var tiny = try RunComparison(dataSet: Self.data, base: Self.base(), specs: Array(four.prefix(2)), width: 50, height: 12)
        #expect(SnapshotFormat.text.render(Renderer(tier: .mono).render(tiny)).contains("Terminal too small"))
        tiny.handle(.character("n"))
        #expect(tiny.pendingHalfSteps == 0, "keys do not act while the terminal is too small")
        let twoNarrow = CompareLayout(width: 58, height: 40, runCount: 2)
        #expect(twoNarrow.grid?.columns == 1 && twoNarrow.grid?.rows == 2)
        let twoWide = CompareLayout(width: 80, height: 24, runCount: 2)
        #expect(twoWide.grid?.columns == 2 && twoWide.panes.map(\.width) == [40, 40])
    }

    @Test("the score chart draws each run's scores with its number, highest on top, lowest at the bottom, named below")
    func scoreChart() {
        var grid = CellGrid(width: 40, height: 7)
        let palette = Palette(tier: .mono)
        ScoreChartView(series: [[100, 80, 60], [50, 40, 20]], names: ["random", "k-means++"], unicode: true, palette: palette)
            .render(into: &grid, area: Rect(x: 0, y: 0, width: 40, height: 7))
        // Plot: x from 9 to 37 (29 columns), rows 1…5.
        #expect(grid[9, 1].glyph == "1", "the highest score (run 1, iteration 1) is on the top row")
        #expect(grid[37, 5].glyph == "2", "the lowest (run 2, iteration 3) is on the bottom row at the right")
        #expect(grid.rowText(1).contains("100") && grid.rowText(5).contains("20"))
        #expect(grid.rowText(6).contains("1 random  2 k-means++"))
        // Dots join each run's marks: run 1 falls from row 1 (x 9) to row 2 (x 23), run 2 from row 4 to row 5.
        #expect(grid[16, 1].glyph == "·" || grid[16, 2].glyph == "·", "run 1's line between its first two marks")
        #expect((10..<23).allSatisfy { column in (1...2).contains { grid[column, $0].glyph == "·" } })
        #expect((24..<37).allSatisfy { column in (3...5).contains { grid[column, $0].glyph == "·" } })
        #expect(grid[23, 2].glyph == "1" && grid[23, 4].glyph == "2", "the marks stay on top of the dots")
        #expect(grid.rowText(0).contains("score per iteration, 1…3") && !grid.rowText(0).contains("log"))
        var empty = CellGrid(width: 40, height: 7)
        ScoreChartView(series: [[], []], names: ["a", "b"], unicode: true, palette: palette).render(into: &empty, area: Rect(x: 0, y: 0, width: 40, height: 7))
        #expect(SnapshotFormat.text.render(empty).contains("no iterations yet"))
        var spread = CellGrid(width: 40, height: 7)
        ScoreChartView(series: [[5000, 4000], [9, 8]], names: ["a", "b"], unicode: false, palette: palette).render(into: &spread, area: Rect(x: 0, y: 0, width: 40, height: 7))
        #expect(spread.rowText(0).contains("log scale") && spread.rowText(0).hasPrefix("+-"))
    }

    @Test("Space pauses every run when one runs, else starts them all")
    func lockstepRunPause() throws {
        var comparison = try RunComparison(dataSet: Self.data, base: Self.base(), specs: try ["seed=1", "seed=2"].map(CompareSpec.parse), width: 100, height: 30)
        comparison.handle(.character(" "))
        #expect(comparison.runs.allSatisfy { $0.isRunning })
        comparison.handle(.character(" "))
        #expect(!comparison.runs.contains { $0.isRunning })
        comparison.handle(.character("s"))
        #expect(comparison.runs.allSatisfy { $0.overlay == .none }, "settings are not offered while comparing")
    }

    @Test("n pressed while the runs are part-way through their queued half-steps still ends every run after the same update")
    func lockstepWhileComputing() throws {
        var comparison = try RunComparison(dataSet: Self.data, base: Self.base(), specs: try ["init=random,seed=5", "init=kmeans_plus_plus"].map(CompareSpec.parse),
                                           width: 100, height: 30)
        comparison.handle(.character("n"))
        // The loop computes one job at a time: the first run's assign lands before the next key.
        let job = try #require(comparison.nextJob())
        comparison.accept(job.run(), for: job)
        #expect(comparison.runs[0].frames.count == 2 && comparison.runs[1].frames.count == 1)
        comparison.handle(.character("n"))
        comparison.handle(.character("n"))
        comparison.runPendingWork()
        #expect(comparison.runs.map { $0.currentFrame?.state.globalStep } == [3, 3])
        #expect(comparison.runs.allSatisfy { $0.currentFrame?.phase == .updated })
    }

    @Test("C compares the current settings with k-means++ and with random (same seed), C again returns to the run")
    func quickComparison() throws {
        var settings = Self.base()
        settings.seed = 7
        var screen = WorkbenchScreen(session: Session(dataSet: Self.data, settings: settings, width: 100, height: 30))
        screen = Headless.drive(screen, steps: 1, script: [.key(.character("C")), .key(.character("n")), .key(.character("n"))])
        let comparison = try #require(screen.comparison)
        #expect(comparison.labels == ["k-means++, seed 7", "random, seed 7"])
        #expect(comparison.runs.map(\.settings.initialization) == [.kmeansPlusPlus, .random])
        #expect(comparison.runs.allSatisfy { $0.currentFrame?.state.globalStep == 2 })
        #expect(screen.session.currentFrame?.state.globalStep == 1, "the single run is left as it was")
        #expect(SnapshotFormat.text.render(Renderer(tier: .mono).render(screen)).contains("C close"))
        screen.handle(.character("C"))
        #expect(screen.comparison == nil)
        // The comparison keeps the projection on screen (Iris: the second one after PCA).
        var iris = WorkbenchScreen(session: Session(dataSet: DataSet.BuiltIn.iris.dataSet, width: 100, height: 30))
        iris = Headless.drive(iris, steps: 0, script: [.key(.character("p")), .key(.character("C"))])
        #expect(iris.comparison?.runs.map(\.view.projection) == [iris.session.view.projection, iris.session.view.projection])
        #expect(iris.session.view.projection != .pca)
        screen.handle(.character("q"))
        #expect(screen.quitRequested)
    }

    @Test("w and o on the compare screen write the screen and each run shown, and say so above the key bar")
    func screenshotAndExportOfTheComparison() throws {
        var screen = WorkbenchScreen(session: Session(dataSet: Self.data, settings: Self.base(), width: 100, height: 30))
        screen = Headless.drive(screen, steps: 1, script: [.key(.character("C"))])
        #expect(!screen.screenshotRequested && !screen.exportRequested)
        screen.handle(.character("w"))
        #expect(screen.screenshotRequested && !screen.session.screenshotRequested, "the screen's request, not the hidden single run's")
        screen.screenshotWritten("screen saved to kmeans-screen-1.txt, .ans and .svg")
        #expect(!screen.screenshotRequested)
        let shown = SnapshotFormat.text.render(Renderer(tier: .mono).render(screen)).split(separator: "\n")
        #expect(shown[shown.count - 2].contains("screen saved to kmeans-screen-1.txt"))
        screen.handle(.character("o"))
        #expect(screen.exportRequested)
        #expect(screen.runsToExport.map(\.settings.initialization) == [.kmeansPlusPlus, .random])
        screen.exportWritten(["run written to kmeans-run-1/", "run written to kmeans-run-2/"])
        #expect(!screen.exportRequested && screen.notice == "2 runs written, a folder each: run written to kmeans-run-1/ · run written to kmeans-run-2/")
        // The next key clears the notice; the single run's own o still writes the single run.
        screen.handle(.character("n"))
        #expect(screen.notice == nil)
        screen.handle(.character("C"))
        screen.handle(.character("o"))
        #expect(screen.session.exportRequested && screen.runsToExport.count == 1)
    }
}
