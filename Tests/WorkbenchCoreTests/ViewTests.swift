import KMeansCore
import Testing
@testable import WorkbenchCore

/// Panes drawn on their own grids, at 80 and 200 columns, with NO_COLOR's mono palette and in ASCII, and the
/// display fixes that live in the session (issue 12).
@Suite("Workbench views")
struct ViewTests {
    static let mono = Palette(tier: ColorTier.detect(override: nil, environment: ["NO_COLOR": "1"], terminalColors: 256))
    static let widths = [80, 200]

    static func text(_ grid: CellGrid) -> String { (0..<grid.height).map(grid.rowText).joined(separator: "\n") }

    @Test(arguments: widths, [true, false])
    func keyBarKeepsHelpAndQuit(width: Int, unicode: Bool) {
        var grid = CellGrid(width: width, height: 1)
        KeyBarView(entries: Keymap.barEntries(Keymap.main), unicode: unicode).render(into: &grid, area: Rect(x: 0, y: 0, width: width, height: 1))
        let row = grid.rowText(0)
        #expect(row.contains("? help") && row.contains("q quit") && row.hasPrefix("n step"))
        #expect(row.contains("c ckpts") == (width >= 100), "\(row)")
        #expect(row.unicodeScalars.allSatisfy(\.isASCII) || unicode)
    }

    @Test(arguments: widths)
    func explanationIsKeptAndMarkedWhenCut(width: Int) {
        let sentence = "Next: assign. Each point joins its nearest centre (squared Euclidean; ties → lower index)."
        var grid = CellGrid(width: width, height: 1)
        ExplanationView(message: nil, explanation: sentence, palette: Self.mono).render(into: &grid, area: Rect(x: 0, y: 0, width: width, height: 1))
        let row = grid.rowText(0).trimmingSuffix()
        #expect(row.hasPrefix(" Next: assign."))
        #expect(row.hasSuffix("…") == (sentence.unicodeScalars.count + 1 > width))
        #expect(row.unicodeScalars.count <= width)
    }

    @Test func tooSmallPaneSaysSizeAndIgnoresKeys() {
        var grid = CellGrid(width: 50, height: 10)
        TooSmallView(width: 50, height: 10, unicode: false, palette: Self.mono).render(into: &grid, area: Rect(x: 0, y: 0, width: 50, height: 10))
        #expect(Self.text(grid).contains("50x10, need 60x16"))
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 50, height: 10)
        let before = session.frames.count
        for key in [Key.character("n"), .character("s"), .character("?"), .character("R")] { session.handle(key) }
        session.runPendingWork()
        #expect(session.frames.count == before && session.overlay == .none && session.pendingHalfSteps == 0)
        session.handle(.character("q"))
        #expect(session.quitRequested)
    }

    @Test func numbersFitTheirColumns() {
        #expect(formatFitting(count: 1_000_000, width: 5) == "1.0M")
        #expect(formatFitting(count: 250_407, width: 5) == "250K")
        #expect(formatFitting(count: 42, width: 5) == "42")
        #expect(formatFitting(1.8981, width: 6) == "1.898")
        #expect(countColumn(1_000_000, 6) == "  1.0M" && numberColumn(1.8981, 7) == "  1.898")
        for value in [0.0, 3, 999_999, 1e6, 123_456_789, 9.99e11, 1e13, -4_500_000] {
            for width in 4...9 {
                let column = numberColumn(value, width)
                #expect(column.unicodeScalars.count == width && column.hasPrefix(" "), "\(value) in \(width): '\(column)'")
            }
        }
    }

    @Test(arguments: widths)
    func moreThan26ClustersGetTwoLetterCenters(width: Int) {
        var settings = WorkbenchSettings()
        settings.k = 30
        var session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, settings: settings, width: width, height: width == 80 ? 24 : 60,
                              view: { var v = ViewOptions(); v.unicode = false; return v }())
        session.handle(.character("n"))
        session.runPendingWork()
        let text = Self.text(Renderer(tier: .mono).render(session))
        #expect(text.contains("AA") && text.contains("AD"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func voronoiShadesIn256AreDistinctTintsOfTheClusterColours() {
        let palette = Palette(tier: .palette256)
        let shades = (0..<8).map { palette.clusterShade($0) }
        #expect(Set(shades.map { "\($0)" }).count == 8)
        // All but the grey cluster's are cube colours (not the grey ramp), each with its cluster colour's brightest channel.
        for j in 0..<7 {
            guard case let .indexed(index) = shades[j] else { Issue.record("not indexed"); continue }
            #expect(index >= 16 && index < 232)
            let cube = Int(index) - 16, levels = [cube / 36, cube / 6 % 6, cube % 6]
            let c = Palette.clusterColors[j].rgb, channels = [Int(c.r), Int(c.g), Int(c.b)]
            #expect(levels.firstIndex(of: levels.max()!) == channels.firstIndex(of: channels.max()!), "cluster \(j)")
        }
        #expect(Palette(tier: .mono).clusterShade(0) == .standard)
    }

    @Test func smallDataGetsLargeMarkersAndLargeDataDensity() {
        #expect(Renderer.pointStyle(pointCount: 100) == .large && Renderer.pointStyle(pointCount: 5000) == .plain
            && Renderer.pointStyle(pointCount: 50_000) == .density)
        #expect(Renderer.densityEmphasis(1, densest: 100) == .faint && Renderer.densityEmphasis(30, densest: 100) == .normal
            && Renderer.densityEmphasis(60, densest: 100) == .strong)
        // 100 points in braille: each occupied cell is a full braille block (⣿), never a single dot; the mode is named.
        let session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 200, height: 60)
        let grid = Renderer(tier: .palette256).render(session)
        let plot = session.layout.plot
        var markers = 0
        for y in plot.y..<(plot.y + plot.height) {
            for x in plot.x..<(plot.x + plot.width) {
                #expect(!(0x2801...0x28FE).contains(grid[x, y].glyph.value))
                if grid[x, y].glyph == "⣿" { markers += 1 }
            }
        }
        #expect(markers > 50)
        #expect(Self.text(grid).contains("marker braille (large)"))
        // Density: the shading follows the per-cell counts of the raster.
        var rows: [[Float]] = []
        for i in 0..<20_000 {
            let x: Float = i % 7 == 0 ? 0 : Float(i % 97)
            rows.append([x, Float(i % 89)])
        }
        let dense = Session(dataSet: DataSet(name: "dense", points: Matrix(rows), columnNames: ["a", "b"]), width: 80, height: 24)
        let denseGrid = Renderer(tier: .mono).render(dense)
        #expect(Self.text(denseGrid).contains("+ density"))
        let plotArea = dense.layout.plot
        var attributes: [CellAttributes] = []
        for y in plotArea.y..<(plotArea.y + plotArea.height) {
            for x in plotArea.x..<(plotArea.x + plotArea.width) { attributes.append(denseGrid[x, y].style.attributes) }
        }
        #expect(attributes.contains(CellAttributes.bold) && attributes.contains(CellAttributes.dim))
    }

    @Test func clusterNamesPast26HaveTwoLetters() {
        #expect((0..<26).map(ClusterName.of).joined() == "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        #expect(ClusterName.of(26) == "AA" && ClusterName.of(27) == "AB" && ClusterName.of(52) == "BA")
        #expect(Set((0..<200).map(ClusterName.of)).count == 200)
    }

    @Test func everyEmptyClusterIsNamed() {
        #expect(StatusMessage.emptyClusters([1, 3, 27], policy: .origin).text
            == "clusters B, D, AB got no points: their centres went to the origin (TF)")
        #expect(StatusMessage.emptyClusters([0], policy: .farthestPoint).text == "cluster A got no points: its centre jumped to the farthest point")
    }

    @Test func kAboveThePointCountIsSaid() {
        var settings = WorkbenchSettings()
        settings.k = 5
        let session = Session(dataSet: DataSet(name: "two", points: Matrix([[0, 0], [1, 1]]), columnNames: ["a", "b"]), settings: settings)
        #expect(session.settings.k == 2)
        #expect(session.message == "k = 5 is more than the 2 points: using k = 2")
        let grid = Renderer(tier: .mono).render(session)
        #expect(grid.rowText(session.layout.explanation.y).contains("k = 5 is more than the 2 points"))
    }

    @Test func batchSizeTakesAnyTypedValue() {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet)
        session.handle(.character("s"))
        while session.settingsEditor.selected != .batchSize { session.handle(.down) }
        for digit in "1234" { session.handle(.character(digit)) }
        #expect(session.draft.batchSize == 1234)
        session.handle(.backspace)
        #expect(session.draft.batchSize == 123)
        session.handle(.right)
        #expect(session.draft.batchSize == 128)
        while session.settingsEditor.selected != .k { session.handle(.down) }
        for digit in "40" { session.handle(.character(digit)) }
        #expect(session.draft.k == 40)
    }

    @Test func placementCapitalsMoveEightCells() {
        var settings = WorkbenchSettings()
        settings.initialization = .placedByHand
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, settings: settings, width: 200, height: 60)
        let start = session.placement!
        session.handle(.character("L"))
        session.handle(.character("K"))
        #expect(session.placement?.cursorColumn == start.cursorColumn + 8)
        session.handle(.character("H"))
        session.handle(.left)
        #expect(session.placement?.cursorColumn == start.cursorColumn - 1)
        #expect(session.placement?.cursorRow == start.cursorRow - 8)
        // The cursor's coordinates show before anything is placed, and are where Enter places the centre.
        let at = session.placement!.cursorPoint(plot: session.layout.plot, bounds: session.bounds)
        let line = Renderer(tier: .mono).render(session).rowText(session.layout.explanation.y)
        #expect(line.contains("at \(formatCompact(Double(at.x))), \(formatCompact(Double(at.y))):"), "\(line)")
        session.handle(.enter)
        #expect(session.placement?.placed.first?.x == at.x && session.placement?.placed.first?.y == at.y)
    }
}

extension String {
    /// Without trailing spaces.
    func trimmingSuffix() -> String {
        var scalars = Array(unicodeScalars)
        while scalars.last == " " { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
