import KMeansCore
import KMeansData
import Testing
@testable import WorkbenchCore

/// Ground truth (`g`, the agreement block) and z-scores (`z`).
@Suite("Workbench: truth colouring, agreement and z-scores")
struct TruthAndStandardizeTests {
    /// An Iris session run for 10 iterations (k = 3, k-means++, seed 1).
    func irisRun(width: Int = 100, height: Int = 30, standardize: Bool = false) -> Session {
        var settings = WorkbenchSettings()
        settings.k = 3
        settings.seed = 1
        settings.standardize = standardize
        var session = Session(dataSet: DataSet.BuiltIn.iris.dataSet, settings: settings, width: width, height: height)
        session.requestHalfSteps(20)
        session.runPendingWork()
        return session
    }

    func text(_ grid: CellGrid) -> [String] { (0..<grid.height).map { grid.rowText($0) } }

    @Test("The ARI shown on Iris equals the one computed by hand from the counted confusion table")
    func ariOnIris() throws {
        let session = irisRun()
        let clusters = session.clusterLabels.map(Int.init)
        let species = SampleData.irisSpecies
        #expect(clusters.count == 150)
        // The table by hand: points per (species, cluster).
        var table = [[Int]](repeating: [0, 0, 0], count: 3)
        for (s, c) in zip(species, clusters) { table[s][c] += 1 }
        func pairs(_ n: Int) -> Double { Double(n * (n - 1)) / 2 }
        let sumCells = table.flatMap { $0 }.reduce(0.0) { $0 + pairs($1) }
        let sumRows = table.map { $0.reduce(0, +) }.reduce(0.0) { $0 + pairs($1) }
        let sumColumns = (0..<3).map { c in table.reduce(0) { $0 + $1[c] } }.reduce(0.0) { $0 + pairs($1) }
        let expected = sumRows * sumColumns / pairs(150)
        let ari = (sumCells - expected) / ((sumRows + sumColumns) / 2 - expected)
        #expect(ari > 0.5 && ari < 1, "k-means on Iris mixes versicolor and virginica: \(ari)")

        let lines = text(Renderer(tier: .mono).render(session))
        let shown = try #require(lines.first { $0.contains("ARI ") }, "\(lines.joined(separator: "\n"))")
        #expect(shown.contains("ARI \(fixed(ari, 3))"), "\(shown) vs \(ari)")
        for (name, row) in zip(["setosa", "versicolor", "virginica"], table) {
            let line = try #require(lines.first { $0.contains(name) })
            let after = line[try #require(line.range(of: name)).upperBound...]
            let counts = after.split(separator: " ").prefix(3).compactMap { Int($0) }
            #expect(counts == row, "\(line) vs \(row)")
        }
    }

    @Test("the agreement is counted once per clustering: frames with the same labels reuse it, new labels recount")
    func agreementIsCountedOncePerClustering() throws {
        var session = irisRun()
        let cache = RasterCache()
        let first = try #require(session.agreement(cache: cache))
        #expect(first == session.agreement)
        let truth = try #require(session.dataSet.truth)
        var made = 0
        _ = cache.agreement(for: .init(labels: session.clusterLabels(cache: cache), truth: truth, k: 3)) { made += 1; return first }
        #expect(made == 0, "the drawn agreement was kept for the same labels")
        session.handle(.home)
        session.handle(.right) // the first assignment, against the initial centres
        guard let start = session.agreement(cache: cache) else { Issue.record("no agreement at the first assignment"); return }
        #expect(start == session.agreement && start.table != first.table, "other labels are counted again")
    }

    @Test("g colours the points by truth (the header says so), again by cluster; data without truth says why")
    func truthColouring() {
        var session = irisRun()
        let clusters = session.displayLabels
        session.handle(.character("g"))
        #expect(session.displayLabels == SampleData.irisSpecies.map(Int32.init))
        #expect(text(Renderer(tier: .mono).render(session))[0].contains("colour: truth"))
        session.handle(.character("g"))
        #expect(session.displayLabels == clusters)
        #expect(!text(Renderer(tier: .mono).render(session))[0].contains("colour: truth"))

        var plain = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet)
        plain.handle(.character("g"))
        #expect(plain.view.colorByTruth == false && plain.message?.contains("no truth column") == true)
        #expect(plain.agreement == nil)
    }

    @Test("The agreement block: heading, cluster columns, one row per class, cut with … when larger than its area")
    func agreementPane() {
        let truth = TruthLabels(column: "kind", names: ["alpha", "a-very-long-name"], labels: [0, 0, 1, 1, 1])
        let agreement = Agreement(truth: truth, clusters: [0, 0, 1, 1, 0], k: 2)
        var grid = CellGrid(width: 30, height: 6)
        AgreementView(agreement: agreement, coloredByTruth: true, palette: Palette(tier: .mono)).render(into: &grid, area: Rect(x: 0, y: 0, width: 30, height: 4))
        let lines = text(grid)
        #expect(lines[0].hasPrefix("truth ARI \(fixed(agreement.adjustedRandIndex, 3))  colour: kind"))
        #expect(lines[1].split(separator: " ") == ["A", "B"])
        #expect(lines[2].hasPrefix("alpha") && lines[2].split(separator: " ").dropFirst() == ["2", "0"])
        #expect(lines[3].hasPrefix("a-very-lo…") && lines[3].split(separator: " ").dropFirst() == ["1", "2"])
        #expect(lines[4].trimmingCharacters(in: .whitespaces).isEmpty, "nothing below the area")

        // 12 clusters and 6 classes into 20 × 5: columns and rows are cut.
        let many = TruthLabels(column: "c", names: (0..<6).map { "c\($0)" }, labels: (0..<60).map { $0 % 6 })
        let wide = Agreement(truth: many, clusters: (0..<60).map { Int32($0 % 12) }, k: 12)
        var small = CellGrid(width: 20, height: 5)
        AgreementView(agreement: wide, coloredByTruth: false, palette: Palette(tier: .mono)).render(into: &small, area: Rect(x: 0, y: 0, width: 20, height: 5))
        let cut = text(small)
        #expect(cut[1].split(separator: " ") == ["A", "B", "C", "…"])
        #expect(cut[2].split(separator: " ").last == "…" && cut[4].hasPrefix("… 4 more classes"))
    }

    @Test("z clusters z-scores: the header says so, the engine's data has mean 0 and sd 1, centres show in original units")
    func zScores() throws {
        var session = irisRun()
        session.handle(.character("z"))
        #expect(session.settings.standardize && session.frames.count == 1, "z restarts the run")
        #expect(text(Renderer(tier: .mono).render(session))[0].contains("z-scores"))
        session.requestHalfSteps(40)
        session.runPendingWork()
        let z = session.engine.data
        for t in 0..<4 {
            let column = (0..<z.rows).map { Double(z[$0, t]) }
            let mean = column.reduce(0, +) / 150
            let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 150).squareRoot()
            #expect(abs(mean) < 1e-5 && abs(sd - 1) < 1e-4)
        }
        // After full-batch updates each centre is its cluster's mean; in original units, the mean of its raw rows.
        let frame = try #require(session.frames.last { $0.phase == .updated })
        let labels = session.clusterLabels
        let centers = session.displayCenters(frame)
        let raw = session.dataSet.points
        for j in 0..<3 {
            let rows = (0..<150).filter { labels[$0] == Int32(j) }
            try #require(!rows.isEmpty)
            for t in 0..<4 {
                let mean = rows.reduce(0.0) { $0 + Double(raw[$1, t]) } / Double(rows.count)
                #expect(abs(Double(centers[j, t]) - mean) < 1e-3, "centre \(j) column \(t): \(centers[j, t]) vs \(mean)")
            }
        }
        // Off again: raw values, the same run as never standardised.
        session.handle(.character("z"))
        session.requestHalfSteps(20)
        session.runPendingWork()
        #expect(session.engine.data == session.dataSet.points && session.clusterLabels == irisRun().clusterLabels)
    }
}
