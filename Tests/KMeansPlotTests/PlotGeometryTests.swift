import KMeansPlot
import Testing

@Suite struct PlotGeometryTests {
    @Test func ticksAreRoundValuesInsideTheRange() {
        let ticks = NiceTicks(lower: -3.7, upper: 1042, target: 6)
        #expect(ticks.values == [0, 200, 400, 600, 800, 1000])
        #expect(ticks.labels == ["0", "200", "400", "600", "800", "1000"])
        let small = NiceTicks(lower: 0.013, upper: 0.061, target: 5)
        #expect(small.values.count >= 4 && small.values.allSatisfy { $0 >= 0.013 && $0 <= 0.061 })
        #expect(small.labels.first == "0.02" && small.labels.contains("0.05"))
        let negative = NiceTicks(lower: -2.2, upper: 2.2, target: 5)
        #expect(negative.labels == ["−2", "−1", "0", "1", "2"])
        #expect(NiceTicks(lower: 0, upper: 4e7, target: 4).labels == ["0", "1e7", "2e7", "3e7", "4e7"])
    }

    @Test func voronoiRegionsTileTheBoxAndBelongToTheirSite() {
        let sites = [PlotPoint(x: 1, y: 1), PlotPoint(x: 8, y: 2), PlotPoint(x: 4, y: 9), PlotPoint(x: 5, y: 5)]
        let regions = Voronoi.regions(sites: sites, minX: 0, maxX: 10, minY: 0, maxY: 10)
        func area(_ p: [PlotPoint]) -> Double {
            var sum = 0.0
            for i in p.indices { let a = p[i], b = p[(i + 1) % p.count]; sum += a.x * b.y - b.x * a.y }
            return abs(sum) / 2
        }
        #expect(abs(regions.map(area).reduce(0, +) - 100) < 1e-9)
        for (j, region) in regions.enumerated() {
            let centroid = PlotPoint(x: region.map(\.x).reduce(0, +) / Double(region.count), y: region.map(\.y).reduce(0, +) / Double(region.count))
            let nearest = sites.indices.min { a, b in
                let da = (sites[a].x - centroid.x) * (sites[a].x - centroid.x) + (sites[a].y - centroid.y) * (sites[a].y - centroid.y)
                let db = (sites[b].x - centroid.x) * (sites[b].x - centroid.x) + (sites[b].y - centroid.y) * (sites[b].y - centroid.y)
                return da < db
            }
            #expect(nearest == j)
        }
        let duplicate = Voronoi.regions(sites: [PlotPoint(x: 1, y: 1), PlotPoint(x: 1, y: 1)], minX: 0, maxX: 2, minY: 0, maxY: 2)
        #expect(duplicate[0].count == 4 && duplicate[1].isEmpty)
    }

    @Test func svgHasOneMarkerPerPointAndEscapesText() {
        var plot = ScatterPlot(points: [PlotPoint(x: 0, y: 0), PlotPoint(x: 1, y: 1), PlotPoint(x: 2, y: 0)], labels: [0, 1, 1],
                               centers: [PlotPoint(x: 0, y: 0), PlotPoint(x: 1.5, y: 0.5)], clusterColors: [PlotColor(255, 0, 0), PlotColor(0, 0, 255)])
        plot.title = "a <b> & \"c\""
        plot.trails = [[PlotPoint(x: 0.5, y: 0.5), PlotPoint(x: 0, y: 0)], [PlotPoint(x: 2, y: 2), PlotPoint(x: 1.5, y: 0.5)]]
        let svg = plot.svg()
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"))
        #expect(svg.components(separatedBy: "r=\"4\" fill=\"#ff0000\"").count - 1 == 1)
        #expect(svg.components(separatedBy: "r=\"4\" fill=\"#0000ff\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains("cluster B  (2 points)"))
        #expect(!svg.contains("<polygon"), "no Voronoi regions unless asked")
        plot.showVoronoi = true
        #expect(plot.svg().components(separatedBy: "<polygon").count - 1 == 2)
    }

    @Test func numbersHaveNoExponentAndAtMostTwoDecimals() {
        #expect(SVGDocument.number(1.005) == "1" || SVGDocument.number(1.005) == "1.01")
        #expect(SVGDocument.number(-0.5) == "-0.5")
        #expect(SVGDocument.number(12.345) == "12.35" || SVGDocument.number(12.345) == "12.34")
        #expect(SVGDocument.number(3.07) == "3.07")
        #expect(SVGDocument.number(.infinity) == "0")
        #expect(SVGDocument.number(1e20) == "1000000000000")
    }

    @Test func beyondTheCapASeededSampleIsDrawnAndTheLegendSaysSo() {
        let points = (0..<50).map { PlotPoint(x: Double($0), y: Double($0 % 7)) }
        var plot = ScatterPlot(points: points, labels: [Int](repeating: 0, count: 50), centers: [PlotPoint(x: 25, y: 3)],
                               clusterColors: [PlotColor(255, 0, 0)])
        plot.maximumDrawnPoints = 20
        #expect(plot.drawnIndices.count == 20 && Set(plot.drawnIndices).count == 20 && plot.drawnIndices == plot.drawnIndices.sorted())
        #expect(plot.drawnIndices == plot.drawnIndices, "seeded: the same sample every time")
        let svg = plot.svg()
        #expect(svg.components(separatedBy: "r=\"4\" fill=\"#ff0000\"").count - 1 == 20)
        #expect(svg.contains("20 of 50 points drawn (seeded sample)") && svg.contains("cluster A  (50 points)"))
        plot.maximumDrawnPoints = 50
        #expect(plot.drawnIndices == Array(0..<50) && !plot.svg().contains("seeded sample"))
    }
}
