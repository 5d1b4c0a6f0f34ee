import KMeansCore
import KMeansPlot
import WorkbenchCore
import Testing

/// `kmeans plot`'s SVG rendered by a real browser (headless Chromium), then checked pixel by pixel.
/// Skipped where chromium is missing, except under `CI`, where that is a failure (Scripts/setup installs it).
@Suite(.enabled(if: HeadlessChromium.executable != nil || HeadlessChromium.requiredByCI, "chromium is not installed (Scripts/setup installs it)"))
struct ChromiumRenderTests {
    static let colors = [PlotColor(0x56, 0xB4, 0xE9), PlotColor(0xE6, 0x9F, 0x00), PlotColor(0x00, 0x9E, 0x73)]

    /// Three seeded blobs of 40 points, labelled by blob.
    static func blobs() -> ScatterPlot {
        var generator = SplitMix64(seed: 7)
        let means = [PlotPoint(x: 1, y: 1), PlotPoint(x: 6, y: 2), PlotPoint(x: 3, y: 7)]
        var points: [PlotPoint] = [], labels: [Int] = []
        for (j, mean) in means.enumerated() {
            for _ in 0..<40 {
                points.append(PlotPoint(x: mean.x + 1.6 * (generator.nextUnit() - 0.5), y: mean.y + 1.6 * (generator.nextUnit() - 0.5)))
                labels.append(j)
            }
        }
        var plot = ScatterPlot(points: points, labels: labels, centers: means, clusterColors: colors)
        plot.width = 600
        plot.height = 400
        plot.showVoronoi = true
        plot.title = "three blobs"
        return plot
    }

    @Test func chromiumRendersThePlotWithEachPointInItsClusterColour() throws {
        let plot = Self.blobs()
        let image = try HeadlessChromium.render(svg: plot.svg(), width: plot.width, height: plot.height)
        #expect(image.width == plot.width && image.height == plot.height)

        // Not blank: a good share of the picture is neither the white page nor one flat colour.
        var nonWhite = 0
        var distinct = Set<Int>()
        for y in stride(from: 0, to: image.height, by: 2) {
            for x in stride(from: 0, to: image.width, by: 2) {
                let p = image.pixel(x, y)
                if p.r < 245 || p.g < 245 || p.b < 245 { nonWhite += 1 }
                distinct.insert(p.r << 16 | p.g << 8 | p.b)
            }
        }
        #expect(nonWhite > image.width * image.height / 4 / 20, "only \(nonWhite) sampled pixels are not white")
        #expect(distinct.count > 20)

        // At the centre pixel of every point, its cluster's colour (points drawn later may cover a few).
        let frame = plot.frame
        var matches = [Int](repeating: 0, count: Self.colors.count)
        for (point, label) in zip(plot.points, plot.labels) {
            let p = frame.pixel(point)
            let seen = image.pixel(Int(p.x), Int(p.y))
            let want = Self.colors[label]
            if abs(seen.r - Int(want.red)) <= 24 && abs(seen.g - Int(want.green)) <= 24 && abs(seen.b - Int(want.blue)) <= 24 {
                matches[label] += 1
            }
        }
        for (j, count) in matches.enumerated() {
            #expect(count >= 32, "cluster \(j): only \(count) of 40 points show its colour \(Self.colors[j].hex)")
        }
        // A corner of the plot area far from any point shows a pale Voronoi tint, not a point colour.
        let corner = frame.pixel(PlotPoint(x: frame.xRange.upper, y: frame.yRange.upper))
        let tint = image.pixel(Int(corner.x) - 4, Int(corner.y) + 4)
        #expect(tint.r > 200 && tint.g > 200 && tint.b > 200 && !(tint.r == 255 && tint.g == 255 && tint.b == 255))
    }

    @Test(.enabled(if: HeadlessChromium.requiredByCI, "only on CI"))
    func chromiumIsPresentOnCI() {
        #expect(HeadlessChromium.executable != nil, "CI is set but chromium is not on PATH (Scripts/setup installs it)")
    }
}

/// The workbench's screen picture (`w`, `--snapshot --format svg`) rendered by headless Chromium.
@Suite(.enabled(if: HeadlessChromium.executable != nil || HeadlessChromium.requiredByCI, "chromium is not installed (Scripts/setup installs it)"))
struct ChromiumScreenTests {
    @Test func everyBrailleCellShowsItsClusterColourAndTheBackgroundIsTheTerminals() throws {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        session = Headless.drive(session, steps: 2, script: [.key(.character("h"))])
        let grid = Renderer(tier: .truecolor).render(session)
        let exporter = ScreenSVG()
        let image = try HeadlessChromium.render(svg: exporter.render(grid), width: 900, height: 540)
        var cells = 0, shown = 0
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                guard (0x2801...0x28FF).contains(cell.glyph.value), case let .rgb(r, g, b) = cell.style.foreground else { continue }
                cells += 1
                // Somewhere in the cell's 9 × 18 pixels, a dot of the cell's colour.
                var found = false
                for py in (y * 18)..<(y * 18 + 18) where !found {
                    for px in (x * 9)..<(x * 9 + 9) {
                        let p = image.pixel(px, py)
                        if abs(p.r - Int(r)) <= 30 && abs(p.g - Int(g)) <= 30 && abs(p.b - Int(b)) <= 30 { found = true; break }
                    }
                }
                if found { shown += 1 }
            }
        }
        #expect(cells > 50, "the plot should hold braille cells")
        #expect(shown >= cells * 9 / 10, "only \(shown) of \(cells) braille cells show their colour")
        let background = image.pixel(5, 300)
        let expected = exporter.defaultBackground
        #expect(abs(background.r - Int(expected.red)) <= 2 && abs(background.g - Int(expected.green)) <= 2, "left margin is the terminal background")
    }
}
