import KMeansCore
import KMeansData
import Testing
@testable import WorkbenchCore

/// Small pieces: key scripts, sanitising, colours, diffs, ticks, sparklines, layout under any size.
@Suite("Workbench pieces")
struct PieceTests {
    @Test func keyScripts() throws {
        let items = try Key.parseScript("n<esc><space><c-c><click:3,4><tick><LEFT>")
        #expect(items == [.key(.character("n")), .key(.escape), .key(.character(" ")), .key(.control("c")),
                          .key(.click(x: 3, y: 4)), .tick, .key(.left)])
        #expect(throws: Key.ScriptError.self) { try Key.parseScript("<bogus>") }
    }

    @Test func sanitisingRemovesControlsAndWideCharacters() {
        let hostile = "evil\u{1B}[2J\u{7}name\u{9B}31m\u{0301}表🙂\n"
        let clean = TerminalText.sanitized(hostile)
        #expect(!clean.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(clean == "evil?[2J?name?31m????")
        var grid = CellGrid(width: 40, height: 1)
        grid.put(hostile, x: 0, y: 0)
        #expect(grid.cells.allSatisfy { TerminalText.isSingleColumn($0.glyph) })
    }

    @Test func hostileColumnNamesNeverReachTheScreen() throws {
        let data = DataSet(name: "x\u{1B}]0;pwned\u{7}", points: Matrix([[0, 0], [1, 1], [2, 0], [3, 3]]), columnNames: ["\u{1B}[31ma", "b\u{0}"])
        var settings = WorkbenchSettings()
        settings.k = 2
        let session = Session(dataSet: data, settings: settings, width: 100, height: 30)
        let grid = Renderer(tier: .truecolor).render(session)
        let ansi = SnapshotFormat.ansi.render(grid)
        // The only escapes in the output are the SGR sequences the snapshot writer adds itself.
        let withoutSGR = ansi.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        #expect(!withoutSGR.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(SnapshotFormat.text.render(grid).contains("x?]0;pwned?"))
    }

    @Test func colourTierDetection() {
        #expect(ColorTier.detect(override: nil, environment: ["NO_COLOR": "1"], terminalColors: 256) == .mono)
        #expect(ColorTier.detect(override: .ansi8, environment: ["NO_COLOR": "1"], terminalColors: 256) == .ansi8)
        #expect(ColorTier.detect(override: nil, environment: ["COLORTERM": "truecolor"], terminalColors: 256) == .truecolor)
        #expect(ColorTier.detect(override: nil, environment: [:], terminalColors: 256) == .palette256)
        #expect(ColorTier.detect(override: nil, environment: ["NO_COLOR": ""], terminalColors: 8) == .ansi8)
        #expect(ColorTier.detect(override: nil, environment: [:], terminalColors: 0) == .mono)
    }

    @Test func nearest256() {
        #expect(Palette.nearest256(RGB(0, 0, 0)) == 16)
        #expect(Palette.nearest256(RGB(255, 255, 255)) == 231)
        #expect(Palette.nearest256(RGB(255, 0, 0)) == 196)
        #expect(Palette.nearest256(RGB(128, 128, 128)) == 244)
    }

    @Test func monoUsesNoColourAtAll() throws {
        let session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, width: 100, height: 30)
        let grid = Renderer(tier: .mono).render(Headless.drive(session, steps: 2, script: []))
        #expect(grid.cells.allSatisfy { $0.style.foreground == .standard && $0.style.background == .standard })
    }

    @Test func eightColourTierStaysInTheEightColours() throws {
        var view = ViewOptions()
        view.voronoi = true
        let session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, width: 100, height: 30, view: view)
        let grid = Renderer(tier: .ansi8).render(Headless.drive(session, steps: 2, script: []))
        for cell in grid.cells {
            for colour in [cell.style.foreground, cell.style.background] {
                if case let .indexed(i) = colour { #expect(i < 8) } else { #expect(colour == .standard) }
            }
        }
    }

    @Test func onlyChangedCellsAreRedrawn() throws {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        let renderer = Renderer(tier: .palette256)
        let first = renderer.render(session)
        #expect(first.changedPositions(since: nil).count == 100 * 30)
        #expect(first.changedPositions(since: first).isEmpty)
        session.view.explain = false
        let second = renderer.render(session)
        let changed = second.changedPositions(since: first)
        #expect(!changed.isEmpty)
        #expect(changed.allSatisfy { $0.y == 28 })
        for position in changed { #expect(first[position.x, position.y] != second[position.x, position.y]) }
    }

    @Test func faintPointsDifferByColourInColourTiersAndByDimElsewhere() {
        for tier in [ColorTier.palette256, .truecolor] {
            let palette = Palette(tier: tier)
            let faint = (0..<8).map { palette.pointStyle(cluster: $0, emphasis: .faint) }
            let normal = (0..<8).map { palette.pointStyle(cluster: $0, emphasis: .normal) }
            #expect(faint.allSatisfy { $0.attributes.isEmpty } && normal.allSatisfy { $0.attributes.isEmpty })
            #expect(Set(faint.map(\.foreground)).count == 8, "every faint colour is its own")
            #expect(Set(faint.map(\.foreground)).isDisjoint(with: normal.map(\.foreground)), "no faint colour is a cluster colour")
            for j in 0..<8 { #expect(faint[j].foreground != palette.clusterShade(j), "cluster \(j) stays visible on its Voronoi shade") }
            #expect(palette.batchEmphasis(inBatch: true) == .normal && palette.batchEmphasis(inBatch: false) == .faint)
        }
        for tier in [ColorTier.ansi8, .mono] {
            let palette = Palette(tier: tier)
            #expect(palette.pointStyle(cluster: 1, emphasis: .faint).attributes == [.dim])
            #expect(palette.pointStyle(cluster: 1, emphasis: .strong).attributes == [.bold])
            #expect(palette.batchEmphasis(inBatch: true) == .strong)
        }
        // A truecolor faint colour is exactly a 256-colour one, so terminals reducing to 256 colours keep them apart.
        if case let .rgb(r, g, b) = Palette(tier: .truecolor).pointStyle(cluster: 0, emphasis: .faint).foreground {
            #expect(Palette.nearest256(RGB(r, g, b)) == Palette.faintClusters256[0])
        } else {
            Issue.record("truecolor faint colour is not RGB")
        }
    }

    @Test func everySizeRendersWithoutTrouble() throws {
        var session = Session(dataSet: DataSet.BuiltIn.iris.dataSet, width: 100, height: 30)
        session = Headless.drive(session, steps: 2, script: [])
        var generator = SeededGenerator(seed: 3)
        let renderer = Renderer(tier: .palette256)
        // A resize storm through tiny, odd and large sizes, with overlays open.
        for round in 0..<120 {
            let width = Int.random(in: 1...220, using: &generator), height = Int.random(in: 1...70, using: &generator)
            session.resize(width: width, height: height)
            if round % 3 == 1 { session.handle(.character("?")) }
            if round % 3 == 2 { session.handle(.escape); session.handle(.character("s")) }
            if round % 3 == 0 { session.handle(.escape) }
            let grid = renderer.render(session)
            #expect(grid.width == width && grid.height == height)
            if width < Layout.minimumWidth || height < Layout.minimumHeight {
                #expect(SnapshotFormat.text.render(grid).contains("small") || width < 20 || height < 4)
            }
        }
    }

    @Test func ticksAreEvenlySpacedAndRound() {
        let ticks = Renderer.niceTicks(min: -3.2, max: 47.9, count: 6)
        #expect(ticks == [0, 10, 20, 30, 40])
        let small = Renderer.niceTicks(min: 0.013, max: 0.061, count: 4)
        let gaps = zip(small.dropFirst(), small).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 1e-6 })
        #expect(Renderer.niceTicks(min: 1, max: 1, count: 4).isEmpty)
    }

    @Test func sparklineScalesBetweenMinAndMax() {
        #expect(Renderer.sparkline([1, 2, 3, 4, 5, 6, 7, 8], unicode: true) == "▁▂▃▄▅▆▇█")
        #expect(Renderer.sparkline([5, 5], unicode: false) == "==")
        #expect(Renderer.sparkline([], unicode: true) == "")
    }

    @Test func compactNumbers() {
        #expect(formatCompact(7_993_654) == "7.99e6")
        #expect(formatCompact(146.43) == "146.4")
        #expect(formatCompact(0.5) == "0.500")
        #expect(formatCompact(1e-4) == "1.00e-4")
        // Small numbers in a narrow column keep their exponent, with fewer mantissa digits, instead of being cut.
        #expect(formatFitting(0.000293, width: 6) == "2.9e-4")
        #expect(formatFitting(0.000293, width: 4) == "3e-4")
        #expect(formatFitting(-0.000293, width: 6) == "-3e-4")
        #expect(numberColumn(0.000293, 7) == " 2.9e-4")
        #expect(formatFitting(0.000996, width: 6) == "1.0e-3")
        // Mantissas that round up to ten move to the next exponent.
        #expect(formatCompact(9_996_000) == "1.00e7")
        #expect(formatCompact(-9_999_999) == "-1.00e7")
        #expect(formatCompact(0.0009996) == "1.00e-3")
        for exponent in -12...12 where exponent < -3 || exponent >= 6 {
            for mantissa in [1.0, 1.004999, 4.5, 9.994, 9.995, 9.99999] {
                var scale = 1.0
                for _ in 0..<abs(exponent) { scale *= 10 }
                let text = formatCompact(exponent < 0 ? mantissa / scale : mantissa * scale)
                let lead = text.split(separator: "e")[0]
                #expect(lead.count == 4 && !lead.hasPrefix("10") && !lead.hasPrefix("0"), "\(mantissa)e\(exponent) printed \(text)")
            }
        }
        #expect(formatCompact(-12.345) == "-12.35")
        #expect(fixed(2.5, 0) == "3")
    }

    @Test func helpIsGeneratedFromTheKeymap() {
        let lines = Keymap.helpLines()
        for binding in Keymap.main {
            #expect(lines.contains { $0.contains(binding.help) }, "help lacks \(binding.action)")
        }
        #expect(Keymap.barEntries(Keymap.main).contains { $0.key == "Space" && $0.label == "run/pause" })
    }

    @Test func pcaProjectionRoundTrips() {
        let iris = DataSet.BuiltIn.iris.dataSet.points
        let map = PlaneMap(projection: .pca, points: iris)
        let first = map.components[0], second = map.components[1]
        #expect(abs(zip(first, first).map(*).reduce(0, +) - 1) < 1e-4)
        #expect(abs(zip(first, second).map(*).reduce(0, +)) < 1e-4)
        let p = map.project(iris.row(10))
        let back = map.unproject(x: p.x, y: p.y)
        let again = map.project(back[...])
        #expect(abs(again.x - p.x) < 1e-4 && abs(again.y - p.y) < 1e-4)
    }

    @Test func embeddedDataSetsHaveTheRightShapes() {
        #expect(DataSet.BuiltIn.uniform100.dataSet.points.rows == 100)
        #expect(DataSet.BuiltIn.uniform100.dataSet.points[0, 0] == Float(548.8135039273247))
        #expect(DataSet.BuiltIn.oldFaithful.dataSet.points.rows == 272)
        #expect(DataSet.BuiltIn.iris.dataSet.points.rows == 150 && DataSet.BuiltIn.iris.dataSet.points.columns == 4)
        #expect(SampleData.irisSpecies.count == 150)
        let blobs = DataSet.BuiltIn.blobs.dataSet.points
        #expect(blobs.rows == 400)
        #expect(blobs == DataSet.BuiltIn.blobs.dataSet.points)
    }
}
