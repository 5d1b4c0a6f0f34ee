import KMeansCore

/// A point of the plane, in data units.
public struct PlotPoint: Sendable, Hashable {
    /// Coordinates.
    public var x: Double, y: Double
    /// Creates a point.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// What a clustering scatter plot shows: points coloured by cluster, the centres, and optionally Voronoi regions of
/// the centres and each centre's trail over successive checkpoints.
public struct ScatterPlot: Sendable {
    /// The points' plane positions.
    public var points: [PlotPoint]
    /// Each point's cluster (an index into `centers`).
    public var labels: [Int]
    /// The centres' plane positions.
    public var centers: [PlotPoint]
    /// Per centre, its positions at successive checkpoints, oldest first (empty: no trails).
    public var trails: [[PlotPoint]] = []
    /// Shade each centre's Voronoi region.
    public var showVoronoi = false
    /// Colour of cluster j is `clusterColors[j % count]`.
    public var clusterColors: [PlotColor]
    /// Title above the plot.
    public var title = ""
    /// Axis titles.
    public var xLabel = "x", yLabel = "y"
    /// Lines of small print under the legend (e.g. how the plane was projected).
    public var notes: [String] = []
    /// Picture size in pixels.
    public var width = 1200, height = 800
    /// At most this many point markers are drawn (a seeded sample of the rest is left out, and the legend says so),
    /// so a million-point file still gives an SVG a viewer opens.
    public var maximumDrawnPoints = 200_000

    /// Creates a plot of `points` labelled by cluster, with `centers`.
    public init(points: [PlotPoint], labels: [Int], centers: [PlotPoint], clusterColors: [PlotColor]) {
        self.points = points
        self.labels = labels
        self.centers = centers
        self.clusterColors = clusterColors.isEmpty ? [PlotColor(0, 0, 0)] : clusterColors
    }

    /// The colour of cluster `index`.
    public func color(_ index: Int) -> PlotColor { clusterColors[((index % clusterColors.count) + clusterColors.count) % clusterColors.count] }

    /// The centre label of cluster `index`: A, B, … Z, then A again.
    public static func centerLabel(_ index: Int) -> String {
        String(UnicodeScalar(UInt8(65 + index % 26)))
    }

    /// Radius of a point marker: smaller as points get denser.
    public var pointRadius: Double { points.count <= 500 ? 4 : points.count <= 5000 ? 2.5 : 1.2 }

    /// The indices of the points drawn, in order: all of them, or a seeded sample of `maximumDrawnPoints`.
    public var drawnIndices: [Int] {
        guard points.count > maximumDrawnPoints, maximumDrawnPoints >= 0 else { return Array(points.indices) }
        var generator = SplitMix64(seed: 0x5EED)
        var chosen = Array(points.indices)
        for i in 0..<maximumDrawnPoints { chosen.swapAt(i, i + Int(generator.next() % UInt64(chosen.count - i))) }
        return chosen[0..<maximumDrawnPoints].sorted()
    }

    /// Where everything goes on the picture.
    public var frame: PlotFrame {
        let everything = points + centers + trails.flatMap { $0 }
        return PlotFrame(width: Double(width), height: Double(height), content: everything)
    }

    /// The picture as a standalone SVG document.
    public func svg() -> String {
        let frame = self.frame
        let area = frame.area
        var document = SVGDocument(width: frame.width, height: frame.height)
        let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
        document.rect(x: 0, y: 0, width: frame.width, height: frame.height, fill: "#ffffff")
        if !title.isEmpty {
            document.text(title, x: area.x + area.width / 2, y: 32, extra: "\(font) font-size=\"20\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222222\"")
        }
        document.raw("<clipPath id=\"plot-area\"><rect x=\"\(SVGDocument.number(area.x))\" y=\"\(SVGDocument.number(area.y))\" width=\"\(SVGDocument.number(area.width))\" height=\"\(SVGDocument.number(area.height))\"/></clipPath>")
        document.raw("<g clip-path=\"url(#plot-area)\">")
        if showVoronoi {
            let regions = Voronoi.regions(sites: centers, minX: frame.xRange.lower, maxX: frame.xRange.upper,
                                          minY: frame.yRange.lower, maxY: frame.yRange.upper)
            for (j, region) in regions.enumerated() where !region.isEmpty {
                document.path(region.map(frame.pixel), closed: true,
                              extra: "fill=\"\(color(j).hex)\" fill-opacity=\"0.14\" stroke=\"#999999\" stroke-width=\"1\"")
            }
        }
        drawGrid(&document, frame: frame)
        for index in drawnIndices {
            let point = points[index]
            let p = frame.pixel(point)
            let label = index < labels.count ? labels[index] : 0
            document.circle(x: p.x, y: p.y, radius: pointRadius, fill: color(label).hex)
        }
        for (j, trail) in trails.enumerated() where trail.count >= 2 {
            let pixels = trail.map(frame.pixel)
            document.path(pixels, closed: false, extra: "fill=\"none\" stroke=\"#333333\" stroke-width=\"2\" stroke-dasharray=\"6 4\"")
            for p in pixels.dropLast() {
                document.circle(x: p.x, y: p.y, radius: 3.5, fill: "#ffffff", extra: "stroke=\"\(color(j).hex)\" stroke-width=\"2\"")
            }
        }
        for (j, center) in centers.enumerated() {
            let p = frame.pixel(center)
            document.circle(x: p.x, y: p.y, radius: 11, fill: color(j).hex, extra: "stroke=\"#222222\" stroke-width=\"2.5\"")
            document.text(Self.centerLabel(j), x: p.x, y: p.y + 4.5, extra: "\(font) font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222222\"")
        }
        document.raw("</g>")
        drawAxes(&document, frame: frame, font: font)
        drawLegend(&document, frame: frame, font: font)
        return document.rendered()
    }

    private func drawGrid(_ document: inout SVGDocument, frame: PlotFrame) {
        let area = frame.area
        for x in frame.xTicks.values {
            let px = frame.pixel(PlotPoint(x: x, y: frame.yRange.lower)).x
            document.line(x1: px, y1: area.y, x2: px, y2: area.y + area.height, stroke: "#e4e4e4", width: 1)
        }
        for y in frame.yTicks.values {
            let py = frame.pixel(PlotPoint(x: frame.xRange.lower, y: y)).y
            document.line(x1: area.x, y1: py, x2: area.x + area.width, y2: py, stroke: "#e4e4e4", width: 1)
        }
    }

    private func drawAxes(_ document: inout SVGDocument, frame: PlotFrame, font: String) {
        let area = frame.area
        let bottom = area.y + area.height
        document.rect(x: area.x, y: area.y, width: area.width, height: area.height, fill: "none", extra: "stroke=\"#222222\" stroke-width=\"1.5\"")
        let tickText = "\(font) font-size=\"13\" fill=\"#222222\""
        for (x, label) in zip(frame.xTicks.values, frame.xTicks.labels) {
            let px = frame.pixel(PlotPoint(x: x, y: frame.yRange.lower)).x
            document.line(x1: px, y1: bottom, x2: px, y2: bottom + 6, stroke: "#222222", width: 1.5)
            document.text(label, x: px, y: bottom + 22, extra: "\(tickText) text-anchor=\"middle\"")
        }
        for (y, label) in zip(frame.yTicks.values, frame.yTicks.labels) {
            let py = frame.pixel(PlotPoint(x: frame.xRange.lower, y: y)).y
            document.line(x1: area.x - 6, y1: py, x2: area.x, y2: py, stroke: "#222222", width: 1.5)
            document.text(label, x: area.x - 10, y: py + 4.5, extra: "\(tickText) text-anchor=\"end\"")
        }
        document.text(xLabel, x: area.x + area.width / 2, y: bottom + 48, extra: "\(font) font-size=\"15\" text-anchor=\"middle\" fill=\"#222222\"")
        let yMid = area.y + area.height / 2
        document.text(yLabel, x: 22, y: yMid,
                      extra: "\(font) font-size=\"15\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 22 \(SVGDocument.number(yMid)))\"")
    }

    private func drawLegend(_ document: inout SVGDocument, frame: PlotFrame, font: String) {
        let x = frame.area.x + frame.area.width + 24
        var y = frame.area.y + 14
        let text = "\(font) font-size=\"14\" fill=\"#222222\""
        var sizes = [Int](repeating: 0, count: centers.count)
        for label in labels where sizes.indices.contains(label) { sizes[label] += 1 }
        for j in centers.indices.prefix(26) {
            document.circle(x: x + 8, y: y - 4.5, radius: 6, fill: color(j).hex)
            document.text("cluster \(Self.centerLabel(j))  (\(sizes[j]) points)", x: x + 22, y: y, extra: text)
            y += 24
        }
        if centers.count > 26 { document.text("… \(centers.count - 26) more", x: x + 22, y: y, extra: text); y += 24 }
        y += 6
        document.circle(x: x + 8, y: y - 4.5, radius: 8, fill: "#ffffff", extra: "stroke=\"#222222\" stroke-width=\"2.5\"")
        document.text("centre", x: x + 22, y: y, extra: text)
        y += 24
        if trails.contains(where: { $0.count >= 2 }) {
            document.line(x1: x, y1: y - 4.5, x2: x + 16, y2: y - 4.5, stroke: "#333333", width: 2, extra: "stroke-dasharray=\"6 4\"")
            document.text("trail over checkpoints", x: x + 22, y: y, extra: text)
            y += 24
        }
        if showVoronoi {
            document.rect(x: x + 1, y: y - 12, width: 14, height: 14, fill: "#888888", extra: "fill-opacity=\"0.3\" stroke=\"#999999\"")
            document.text("nearest-centre region", x: x + 22, y: y, extra: text)
            y += 24
        }
        if points.count > maximumDrawnPoints {
            document.text("\(maximumDrawnPoints) of \(points.count) points drawn (seeded sample)", x: x, y: y + 10,
                          extra: "\(font) font-size=\"12\" fill=\"#666666\"")
            y += 20
        }
        for note in notes {
            document.text(note, x: x, y: y + 10, extra: "\(font) font-size=\"12\" fill=\"#666666\"")
            y += 18
        }
    }
}

/// The geometry of a plot: data ranges, ticks, the plot area and the data → pixel map (y grows upwards).
public struct PlotFrame: Sendable {
    /// Picture size.
    public let width: Double, height: Double
    /// The plot area in pixels.
    public let area: (x: Double, y: Double, width: Double, height: Double)
    /// Data ranges shown (the content plus a 5 % margin).
    public let xRange: (lower: Double, upper: Double), yRange: (lower: Double, upper: Double)
    /// Ticks along each axis.
    public let xTicks: NiceTicks, yTicks: NiceTicks

    /// Lays out a `width × height` picture around `content`.
    public init(width: Double, height: Double, content: [PlotPoint]) {
        self.width = width
        self.height = height
        let legendWidth = min(260, width * 0.28)
        area = (x: 84, y: 52, width: max(10, width - 84 - legendWidth - 24), height: max(10, height - 52 - 70))
        xRange = PlotFrame.range(content.map(\.x).filter(\.isFinite))
        yRange = PlotFrame.range(content.map(\.y).filter(\.isFinite))
        xTicks = NiceTicks(lower: xRange.lower, upper: xRange.upper, target: max(2, Int(area.width / 110)))
        yTicks = NiceTicks(lower: yRange.lower, upper: yRange.upper, target: max(2, Int(area.height / 80)))
    }

    /// The pixel position of a data point.
    public func pixel(_ point: PlotPoint) -> (x: Double, y: Double) {
        let u = (point.x - xRange.lower) / (xRange.upper - xRange.lower)
        let v = (point.y - yRange.lower) / (yRange.upper - yRange.lower)
        return (area.x + u * area.width, area.y + (1 - v) * area.height)
    }

    static func range(_ values: [Double]) -> (lower: Double, upper: Double) {
        guard var lower = values.min(), var upper = values.max() else { return (0, 1) }
        if upper - lower < 1e-12 * max(1, lower.magnitude) {
            lower -= max(0.5, lower.magnitude * 0.1)
            upper += max(0.5, upper.magnitude * 0.1)
        }
        let margin = (upper - lower) * 0.05
        return (lower - margin, upper + margin)
    }
}
