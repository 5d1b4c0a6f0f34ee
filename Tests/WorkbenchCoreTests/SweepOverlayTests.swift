import KMeansCore
import KMeansEstimator
import Testing
@testable import WorkbenchCore

/// The k sweep overlay (issue 12, "Choose k"): its chart and box on their own grids, and the session driving
/// `KSweep` in the background and picking k.
@Suite("Workbench k sweep")
struct SweepOverlayTests {
    static let mono = Palette(tier: .mono)

    /// A real row and progress report of a small sweep, to change fields of (their initialisers are the sweep's).
    static let template: (row: KSweepRow, progress: KSweepProgress) = {
        var progress: KSweepProgress?
        let result = try! KSweep(ks: 2...2, restarts: 1, params: KMeansParams(numClusters: 1), steps: 5)
            .run(points: DataSet.BuiltIn.uniform100.dataSet.points, progress: { progress = $0 })
        return (result.rows[0], progress!)
    }()

    static func row(_ k: Int, score: Float, silhouette: Double?, sampled: Bool = false) -> KSweepRow {
        var row = template.row
        row.k = k
        row.score = score
        row.seed = Int64(k)
        row.silhouette = silhouette.map { SilhouetteResult(score: $0, evaluatedPoints: sampled ? 10_000 : 400, totalPoints: sampled ? 200_000 : 400,
                                                            sampleSeed: sampled ? 1 : nil) }
        return row
    }

    /// Column of the first `glyph` in row `y`, if any.
    static func column(of glyph: Unicode.Scalar, in grid: CellGrid, row y: Int) -> Int? {
        (0..<grid.width).first { grid[$0, y].glyph == glyph }
    }

    // MARK: the chart on its own grid

    @Test func elbowPutsHighestScoreOnTopRowAndLowestOnBottomRowAtTheirKColumns() throws {
        let rows = [Self.row(1, score: 900, silhouette: nil), Self.row(2, score: 300, silhouette: 0.7),
                    Self.row(3, score: 200, silhouette: 0.5), Self.row(4, score: 180, silhouette: 0.4)]
        let view = SweepChartView(ks: 1...4, rows: rows, cursorK: 2, unicode: true, palette: Self.mono)
        let area = Rect(x: 0, y: 0, width: 40, height: 12)
        var grid = CellGrid(width: 40, height: 12)
        view.render(into: &grid, area: area)
        let left = SweepChartView.labelWidth + 1, width = 40 - left
        // Score rows 1...5 (3/5 of the 9 plot rows), silhouette title on row 6, its rows 7...10, k axis on row 11.
        #expect(grid.rowText(0).contains("score"))
        #expect(Self.column(of: "●", in: grid, row: 1) == view.column(of: 1, left: left, width: width))
        #expect(grid.rowText(1).contains("900"))
        let bottom = try #require((1...5).last { grid.rowText($0).contains("●") })
        #expect(bottom == 5)
        #expect(grid.rowText(5).contains("180"))
        #expect(grid.rowText(5).unicodeScalars.lastIndex(of: "●").map { grid.rowText(5).unicodeScalars.distance(from: grid.rowText(5).unicodeScalars.startIndex, to: $0) }
                == view.column(of: 4, left: left, width: width))
        // The silhouette: no marker for k = 1 (undefined), the best (k = 2) on its top row.
        #expect(grid.rowText(6).contains("silhouette (exact, 400 points)"))
        #expect(Self.column(of: "●", in: grid, row: 7) == view.column(of: 2, left: left, width: width))
        let k1 = view.column(of: 1, left: left, width: width)
        #expect((7...10).allSatisfy { grid[k1, $0].glyph != "●" })
        // The cursor column is reversed in both series; the axis label of k = 2 too.
        let cursorX = view.column(of: 2, left: left, width: width)
        #expect((1...5).allSatisfy { grid[cursorX, $0].style.attributes.contains(.reverse) })
        #expect(!grid[cursorX + 1, 3].style.attributes.contains(.reverse))
        #expect(grid[cursorX, 11].glyph == "2" && grid[cursorX, 11].style.attributes.contains(.reverse))
    }

    @Test func unfinishedKLeavesItsColumnEmptyAndSampledSilhouetteSaysSo() {
        let rows = [Self.row(1, score: 900, silhouette: nil), Self.row(2, score: 300, silhouette: 0.6, sampled: true)]
        let view = SweepChartView(ks: 1...6, rows: rows, cursorK: 5, unicode: false, palette: Self.mono)
        var grid = CellGrid(width: 70, height: 10)
        view.render(into: &grid, area: Rect(x: 0, y: 0, width: 70, height: 10))
        let left = SweepChartView.labelWidth + 1
        for k in 3...6 {
            let x = view.column(of: k, left: left, width: 70 - left)
            #expect((1..<9).allSatisfy { grid[x, $0].glyph != "o" && grid[x, $0].glyph != "." }, "k \(k) has no row yet")
        }
        let text = (0..<10).map { grid.rowText($0) }.joined(separator: "\n")
        #expect(text.contains("silhouette (sampled: 10000 of 200000 points, seed 1)"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    // MARK: the box

    @Test func boxSaysWhyKBeyondTheRowsCannotStart() throws {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k500<enter>"))
        let sweep = try #require(session.sweep)
        #expect(session.overlay == .sweep)
        #expect(sweep.run == nil, "K = 500 on 100 points must not start")
        #expect(sweep.problem == "K = 500 is more than the 100 points: choose K ≤ 100")
        let grid = Renderer(tier: .mono).render(session)
        #expect((0..<30).contains { grid.rowText($0).contains("K = 500 is more than the 100 points") })
        // Lowering K with Backspace and ← makes it startable.
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("<bs><bs><enter>"))
        #expect(session.sweep?.largestK == 5)
        #expect(session.sweep?.snapshot.outcome == .finished)
        #expect(session.sweep?.snapshot.rows.map(\.k) == Array(1...5))
    }

    @Test func progressLineSaysKAndRestartWhileRunning() throws {
        var overlay = SweepOverlay(configuration: SweepConfiguration(dataName: "d", settings: WorkbenchSettings()), pointCount: 50)
        let run = SweepRun(sweep: try KSweep(ks: 1...10, restarts: 3, params: KMeansParams(numClusters: 1), steps: 5),
                           points: DataSet.BuiltIn.uniform100.dataSet.points)
        run.waitUntilFinished()
        overlay.started(run)
        var progress = Self.template.progress
        progress.k = 4
        progress.restart = 1
        progress.step = 7
        progress.completedRuns = 10
        progress.totalRuns = 30
        overlay.snapshot.progress = progress
        overlay.snapshot.rows = Array(run.snapshot.rows.prefix(3))
        let view = SweepView(sweep: overlay, unicode: true, palette: Self.mono)
        #expect(overlay.phase == .running)
        #expect(view.stateLine.text.hasPrefix("k 4/10, restart 2/3 · step 7 "))
        #expect(view.stateLine.text.hasSuffix(" 33%"))
        var grid = CellGrid(width: 90, height: 24)
        view.render(into: &grid, area: Rect(x: 0, y: 0, width: 90, height: 24))
        #expect(grid.rowText(0).contains("Choose k: sweep k = 1…10"))
        #expect(grid.rowText(2).contains("k 4/10, restart 2/3"))
        #expect(grid.rowText(21).contains("k 3: score"), "the cursor starts on the run's k (3)")
        #expect(grid.rowText(22).contains("Esc cancel"))
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func finishedSweepAtSizeInASCIIAndMonoKeepsChartReadoutAndKeyBar(width: Int, height: Int) throws {
        var view = ViewOptions()
        view.unicode = false
        var session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, width: width, height: height, view: view)
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k<enter><right>"))
        let grid = Renderer(tier: .mono).render(session)
        let rows = (0..<height).map { grid.rowText($0) }
        #expect(rows.allSatisfy { $0.unicodeScalars.allSatisfy { $0.isASCII } })
        #expect(grid.cells.allSatisfy { $0.style.foreground == .standard && $0.style.background == .standard }, "mono: no colour")
        #expect(rows.contains { $0.contains("silhouette (exact, 400 points)") })
        #expect(rows[height - 5].contains("k 4: score"), "the readout of the cursor's k")
        #expect(rows[height - 1].contains("Enter use k") && rows[height - 1].contains("q quit"))
    }

    // MARK: the session

    /// Blobs (400 points), k-means++ and seed 1 unless configured.
    static func session(configure: (inout WorkbenchSettings) -> Void = { _ in }) -> Session {
        var settings = WorkbenchSettings()
        configure(&settings)
        return Session(dataSet: DataSet.BuiltIn.blobs.dataSet, settings: settings, width: 100, height: 30)
    }

    @Test(arguments: [false, true])
    func finishedSweepRowsEqualKSweepRunDirectlyAndEnterPicksK(miniBatch: Bool) throws {
        var session = Self.session { $0.seed = 5; $0.useMiniBatch = miniBatch; $0.metric = miniBatch ? .cosine : .squaredEuclidean }
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k<down><left><enter>"))
        let sweep = try #require(session.sweep)
        #expect(sweep.snapshot.outcome == .finished)
        #expect(sweep.restarts == 2 && sweep.largestK == 10)

        var params = KMeansParams(numClusters: 1, initialClusters: .kmeansPlusPlus, distanceMetric: miniBatch ? .cosine : .squaredEuclidean,
                                  randomSeed: 0, useMiniBatch: miniBatch)
        params.relativeTolerance = 1e-4
        let direct = try KSweep(ks: 1...10, restarts: 2, baseSeed: 5, params: params)
            .run(points: DataSet.BuiltIn.blobs.dataSet.points)
        func timeless(_ rows: [KSweepRow]) -> [KSweepRow] { rows.map { var r = $0; r.seconds = 0; return r } }
        #expect(timeless(sweep.snapshot.rows) == timeless(direct.rows))
        #expect(sweep.snapshot.rows.count == 10)

        // → twice from the run's k (3): Enter restarts the run with k = 5 and the seed of k = 5's best restart.
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("<right><right><enter>"))
        let picked = try #require(direct.rows.first { $0.k == 5 })
        #expect(session.overlay == .none)
        #expect(session.settings.k == 5)
        #expect(session.settings.seed == UInt64(picked.seed))
        #expect(session.settings.useMiniBatch == miniBatch)
        #expect(session.currentFrame?.state.clusters.rows == 5)
        #expect(session.frames.count == 1, "the run restarted")
        #expect(session.message?.hasPrefix("k = 5 from the sweep: seed \(picked.seed)") == true)
        // Reopening shows the same sweep (its settings are the run's but for k and the picked seed).
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k"))
        #expect(session.sweep?.snapshot.rows.count == 10)
        #expect(session.sweep?.cursorK == 5)
    }

    @Test func withZScoresTheSweepClustersTheRunsStandardisedData() throws {
        var session = Self.session { $0.seed = 5; $0.standardize = true }
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k<down><left><enter>"))
        let sweep = try #require(session.sweep)
        #expect(sweep.snapshot.outcome == .finished)
        #expect(SweepView(sweep: sweep, unicode: true, palette: Palette(tier: .mono)).trainingDescription.contains("· z-scores ·"))
        var params = KMeansParams(numClusters: 1, initialClusters: .kmeansPlusPlus, randomSeed: 0, useMiniBatch: false)
        params.relativeTolerance = 1e-4
        let points = DataSet.BuiltIn.blobs.dataSet.points
        let onZScores = try KSweep(ks: 1...10, restarts: 2, baseSeed: 5, params: params).run(points: Standardization(fitting: points).points)
        let onRaw = try KSweep(ks: 1...10, restarts: 2, baseSeed: 5, params: params).run(points: points)
        #expect(sweep.snapshot.rows.map(\.score) == onZScores.rows.map(\.score))
        #expect(sweep.snapshot.rows.map(\.score) != onRaw.rows.map(\.score))
    }

    @Test func escCancelsARunningSweepAndKeepsItsFinishedRows() throws {
        var session = Session(dataSet: DataSet.gaussianBlobs(count: 20_000, centers: [[0, 0], [5, 5], [9, 0]], spread: 1.5, seed: 3),
                              width: 100, height: 30)
        session.handle(.character("k"))
        for key in "20" { session.handle(.character(key)) }
        session.handle(.down)
        for key in "9" { session.handle(.character(key)) }
        session.handle(.enter)
        #expect(session.sweepInProgress)
        #expect(session.sweep?.phase == .running)
        session.handle(.escape)
        #expect(session.overlay == .sweep, "the first Esc cancels, the overlay stays")
        #expect(session.sweep?.phase == .cancelling || session.sweep?.phase == .ended(.cancelled))
        session.finishSweep()
        let sweep = try #require(session.sweep)
        #expect(sweep.phase == .ended(.cancelled))
        #expect(sweep.snapshot.rows.count < 20)
        #expect(sweep.snapshot.rows.map(\.k) == (0..<sweep.snapshot.rows.count).map { $0 + 1 }, "the rows before the cancel, in order")
        let grid = Renderer(tier: .mono).render(session)
        #expect(grid.rowText(3).contains("cancelled after \(sweep.snapshot.rows.count) of 20 values of k"))
        session.handle(.escape)
        #expect(session.overlay == .none)
    }

    @Test func placedByHandSweepsWithKMeansPlusPlusAndKeysOutsideAreInert() throws {
        var manual = WorkbenchSettings()
        manual.initialization = .placedByHand
        #expect(SweepConfiguration(dataName: "d", settings: manual).initialClusters.name == "kmeans_plus_plus")
        manual.initialization = .random
        #expect(SweepConfiguration(dataName: "d", settings: manual).initialClusters.name == "random")
        var session = Self.session()
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("k"))
        let before = session.settings
        session = Headless.drive(session, steps: 0, script: try Key.parseScript("nrs"))
        #expect(session.overlay == .sweep && session.settings == before && session.frames.count == 1)
        #expect(Keymap.action(for: .character("k"), in: Keymap.main) == .sweep)
        #expect(!Keymap.barEntries(Keymap.main).contains { $0.key == "k" }, "the main key bar is unchanged")
    }
}
