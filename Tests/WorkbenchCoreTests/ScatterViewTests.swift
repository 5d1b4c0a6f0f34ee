import KMeansCore
import Testing
@testable import WorkbenchCore

/// The scatter pane drawn on its own grid from supplied positions and regions, and the Voronoi map the session
/// computes where its inputs change, never while drawing (issue 11).
@Suite("Scatter view and Voronoi map")
struct ScatterViewTests {
    static let color = Palette(tier: .palette256)
    static let mono = ViewTests.mono
    /// A 40 × 15 pane: its plot is 30 × 12 cells from (9, 1).
    static let pane = Rect(x: 0, y: 0, width: 40, height: 15)
    static let plot = Layout.plot(inPane: pane)

    /// Bounds 0…30 × 0…12: the plane point (x, y) lands in plot column ⌊x⌋, row ⌊12 − y⌋.
    static let bounds: PlotBounds = {
        var b = PlotBounds(projected: [])
        b.minX = 0; b.maxX = 30; b.minY = 0; b.maxY = 12
        return b
    }()

    static func view(projected: [Float] = [], labels: [Int32] = [], k: Int = 2, centers: [(x: Float, y: Float)] = [], batch: [Int] = [],
                     trails: [[(x: Float, y: Float)]] = [], placement: ScatterView.PlacementCursor? = nil, marker: MarkerMode = .glyphs,
                     unicode: Bool = true, palette: Palette = color, regions: VoronoiRegions? = nil) -> ScatterView {
        ScatterView(bounds: bounds, projected: projected, labels: labels, k: k, centers: centers, batch: batch, trails: trails,
                    placement: placement, marker: marker, unicode: unicode, palette: palette, regions: regions)
    }

    static func render(_ view: ScatterView) -> CellGrid {
        var grid = CellGrid(width: pane.width, height: pane.height)
        view.render(into: &grid, area: pane)
        return grid
    }

    /// A map splitting the plot into cluster 0 (left of `split`) and cluster 1.
    static func halves(split: Int, width: Int = plot.width, height: Int = plot.height) -> VoronoiRegions {
        VoronoiRegions(width: width, height: height, owners: (0..<(width * height)).map { $0 % width < split ? 0 : 1 })
    }

    @Test func drawsTheSuppliedRegionsAndNothingElse() {
        let grid = Self.render(Self.view(regions: Self.halves(split: 11)))
        for row in 0..<Self.plot.height {
            for column in 0..<Self.plot.width {
                let cell = grid[Self.plot.x + column, Self.plot.y + row]
                #expect(cell.style.background == Self.color.clusterShade(column < 11 ? 0 : 1), "(\(column), \(row))")
            }
        }
        // A map of another size than the plot is not drawn.
        let stale = Self.render(Self.view(regions: Self.halves(split: 11, width: Self.plot.width - 1)))
        #expect((0..<Self.plot.width).allSatisfy { stale[Self.plot.x + $0, Self.plot.y].style.background == .standard })
        // Without background colours the border shows as dim dots in the left region's colour.
        let mono = Self.render(Self.view(palette: Self.mono, regions: Self.halves(split: 11)))
        for row in 0..<Self.plot.height {
            #expect(mono[Self.plot.x + 10, Self.plot.y + row].glyph == "·" && mono[Self.plot.x + 10, Self.plot.y + row].style.attributes == [.dim])
            #expect(mono[Self.plot.x + 9, Self.plot.y + row].glyph == " " && mono[Self.plot.x + 11, Self.plot.y + row].glyph == " ")
        }
    }

    @Test(arguments: [true, false])
    func drawsPointsCentresTrailsBatchAndCursor(unicode: Bool) {
        let view = Self.view(projected: [3.5, 10.5, 20.5, 2.5, -5, 0], labels: [0, 5], centers: [(10.5, 6.5), (100, 6.5)], batch: [0],
                             trails: [[(25.5, 6.5)]], placement: .init(placed: [(1.5, 1.5)], column: 5, row: 7), unicode: unicode,
                             regions: Self.halves(split: 15))
        let grid = Self.render(view)
        let x = Self.plot.x, y = Self.plot.y
        // Point 0 in cluster A's glyph and own colour as part of the batch (no attribute needed), over its region's shade.
        #expect(grid[x + 3, y + 1].glyph == Self.color.pointGlyph(0) && grid[x + 3, y + 1].style.foreground == Self.color.cluster(0))
        #expect(grid[x + 3, y + 1].style.attributes == [] && grid[x + 3, y + 1].style.background == Self.color.clusterShade(0))
        // Point 1's label is out of range: drawn as not assigned, in the darker "not assigned" colour outside the batch.
        #expect(grid[x + 20, y + 9].glyph == "." && grid[x + 20, y + 9].style.foreground != Self.color.muted)
        #expect(grid[x + 20, y + 9].style == Self.color.pointStyle(cluster: nil, emphasis: .faint, background: Self.color.clusterShade(1)))
        #expect(grid[x + 20, y + 9].style.attributes == [])
        // Without colours the batch is told apart by attributes: bold inside, dim outside.
        var monoView = view
        monoView.palette = Self.mono
        let mono = Self.render(monoView)
        #expect(mono[x + 3, y + 1].style.attributes == [.bold] && mono[x + 20, y + 9].style.attributes == [.dim])
        // Centres: A at its cell, B (off the plot) at the right edge, underlined.
        #expect(grid[x + 10, y + 5].glyph == "A" && grid[x + 10, y + 5].style.attributes == [.bold, .reverse])
        #expect(grid[x + 29, y + 5].glyph == "B" && grid[x + 29, y + 5].style.attributes == [.bold, .reverse, .underline])
        // The trail keeps the region's shade; the placed centre and the cursor.
        #expect(grid[x + 25, y + 5].glyph == (unicode ? "∘" : ".") && grid[x + 25, y + 5].style.background == Self.color.clusterShade(1))
        #expect(grid[x + 1, y + 10].glyph == "A" && grid[x + 5, y + 7].glyph == "+")
        #expect(grid[x + 5, y + 7].style == CellStyle(foreground: Self.color.warning, attributes: [.bold, .reverse]))
        // Axes left of and below the plot, with tick labels.
        #expect(grid[x - 1, y + Self.plot.height].glyph == (unicode ? "└" : "+") && grid[x - 1, y].glyph == (unicode ? "│" : "|"))
        #expect(grid.rowText(y + Self.plot.height + 1).trimmingSuffix() == String(repeating: " ", count: x) + "0" + String(repeating: " ", count: 18) + "20")
        #expect(grid.rowText(y + 2).hasPrefix("     10 " + (unicode ? "┤" : "+")))
        let drawn = (0..<Self.plot.height).flatMap { row in (0..<Self.plot.width).map { grid[x + $0, y + row].glyph } }
        #expect(drawn.filter { $0 != " " }.count == 7) // two points, two centres, a trail, a placed centre and the cursor
    }

    @Test func fewPointsInBrailleAreLargeMarkersAndATooSmallPaneDrawsNothing() {
        let grid = Self.render(Self.view(projected: [3.5, 10.5], labels: [1], marker: .braille))
        #expect(grid[Self.plot.x + 3, Self.plot.y + 1].glyph == "⣿" && grid[Self.plot.x + 3, Self.plot.y + 1].style.foreground == Self.color.cluster(1))
        var small = CellGrid(width: 12, height: 5)
        Self.view(projected: [3.5, 10.5], labels: [1]).render(into: &small, area: Rect(x: 0, y: 0, width: 12, height: 5))
        #expect(small == CellGrid(width: 12, height: 5))
    }

    // MARK: the session's map

    @Test(arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func regionsAreEachCellsNearestCenter(_ metric: DistanceMetric) {
        let centers = Matrix([[-3, 1], [4, 2.5], [0.5, -4]])
        let points = Matrix([[-6, -6], [6, 6]])
        let map = PlaneMap(projection: .axes(x: 0, y: 1), points: points)
        let bounds = PlotBounds(points: points, map: map)
        let plot = Rect(x: 0, y: 0, width: 22, height: 8) // even sizes: no cell middle at the origin
        let regions = VoronoiRegions(.init(centers: centers, planeMap: map, bounds: bounds, width: plot.width, height: plot.height, metric: metric))
        var seen = Set<Int>()
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let p = bounds.planePoint(column: column, row: row, plot: plot)
                let scores = (0..<centers.rows).map { j -> Float in
                    let c = centers.row(j)
                    if metric == .cosine {
                        return -(c[c.startIndex] * p.x + c[c.startIndex + 1] * p.y) / (p.x * p.x + p.y * p.y).squareRoot()
                            / (c[c.startIndex] * c[c.startIndex] + c[c.startIndex + 1] * c[c.startIndex + 1]).squareRoot()
                    }
                    return (c[c.startIndex] - p.x) * (c[c.startIndex] - p.x) + (c[c.startIndex + 1] - p.y) * (c[c.startIndex + 1] - p.y)
                }
                let nearest = scores.indices.min { scores[$0] < scores[$1] }!
                #expect(regions.owner(column: column, row: row) == nearest, "(\(column), \(row)) \(metric)")
                seen.insert(nearest)
            }
        }
        #expect(seen.count == 3)
    }

    @Test("with z-scores the regions are those the run assigns by: each cell's middle standardised, nearest run centre")
    func regionsWithZScoresAreInTheRunsUnits() throws {
        // x spans 0…1000, y spans 0…1: in data units x decides every region; in z-scores both columns count.
        var generator = SplitMix64(seed: 3)
        var rows: [[Float]] = []
        for i in 0..<200 {
            let corner: (Float, Float) = [(100, 0.1), (900, 0.1), (100, 0.9), (900, 0.9)][i % 4]
            rows.append([corner.0 + Float(generator.nextUnit() * 80), corner.1 + Float(generator.nextUnit() * 0.08)])
        }
        var settings = WorkbenchSettings()
        settings.k = 4
        settings.standardize = true
        var session = Session(dataSet: DataSet(name: "scales", points: Matrix(rows)), settings: settings, width: 100, height: 30)
        session.requestHalfSteps(4)
        session.runPendingWork()
        session.handle(.character("v"))
        let regions = try #require(session.voronoiRegions)
        let scaling = try #require(session.standardization).scaling
        let frame = try #require(session.currentFrame)
        let runCenters = session.engine.assignmentCenters(frame.state)
        let plot = Rect(x: 0, y: 0, width: regions.width, height: regions.height)
        var disagreeWithDataUnits = 0
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let p = session.bounds.planePoint(column: column, row: row, plot: plot)
                let middle = scaling.standardized(Matrix([session.planeMap.unproject(x: p.x, y: p.y)]))
                let nearest = StepEngine.nearest(points: middle, rows: nil, centers: runCenters, metric: .squaredEuclidean).labels[0]
                #expect(regions.owner(column: column, row: row) == Int(nearest), "(\(column), \(row))")
                let raw = StepEngine.nearest(points: Matrix([session.planeMap.unproject(x: p.x, y: p.y)]), rows: nil,
                                             centers: session.displayCenters(frame), metric: .squaredEuclidean).labels[0]
                if raw != nearest { disagreeWithDataUnits += 1 }
            }
        }
        #expect(disagreeWithDataUnits > regions.width * regions.height / 10, "the data's units would draw other regions here")
    }

    @Test func sessionMapFollowsTheCentresTheScreenAndTheToggle() throws {
        var settings = WorkbenchSettings()
        settings.k = 4
        var session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, settings: settings, width: 100, height: 30)
        #expect(session.voronoiRegions == nil)
        session.handle(.character("v"))
        let first = try #require(session.voronoiRegions)
        #expect(first.width == session.layout.plot.width && first.height == session.layout.plot.height)
        #expect(first.inputs?.centers == session.displayCenters(try #require(session.currentFrame)))
        // An update moves the centres: the map follows; stepping back gives the first map again.
        session.handle(.character("n"))
        session.runPendingWork()
        let moved = try #require(session.voronoiRegions)
        #expect(moved.inputs?.centers == session.displayCenters(try #require(session.currentFrame)))
        #expect(moved.inputs?.centers != first.inputs?.centers && moved.owners != first.owners)
        session.handle(.home)
        #expect(session.voronoiRegions == first)
        // A resize recomputes it for the new plot; the toggle drops it.
        session.resize(width: 90, height: 28)
        #expect(session.voronoiRegions?.width == session.layout.plot.width && session.voronoiRegions?.height == session.layout.plot.height)
        session.view.voronoi = false
        #expect(session.voronoiRegions == nil)
    }

    @Test func renderDrawsTheSessionsMapInsteadOfComputingOne() {
        var session = Session(dataSet: DataSet.BuiltIn.blobs.dataSet, width: 100, height: 30, view: { var v = ViewOptions(); v.voronoi = true; return v }())
        let plot = session.layout.plot
        #expect(session.voronoiRegions?.owners.contains(0) == true)
        // A map saying cluster 2 everywhere (not what the centres give) is drawn as it is.
        session.voronoiRegions = VoronoiRegions(width: plot.width, height: plot.height, owners: [Int](repeating: 2, count: plot.width * plot.height))
        let grid = Renderer(tier: .palette256, cachesRasterisation: false).render(session)
        var shaded = 0
        for row in 0..<plot.height {
            for column in 0..<plot.width where grid[plot.x + column, plot.y + row].style.background == Self.color.clusterShade(2) { shaded += 1 }
        }
        #expect(shaded >= plot.width * plot.height - session.settings.k) // all but the centres' letters
    }
}
