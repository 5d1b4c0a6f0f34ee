import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import KMeansPlot
import WorkbenchCore

/// `kmeans plot`: a publication-style scatter of the data coloured by cluster, with the centres, as SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the points coloured by cluster and the centres of a model as an SVG picture.",
        discussion: """
            Data with more than two features is drawn on its first two principal components (the workbench's PCA). \
            --voronoi shades each centre's nearest-centre region in that plane; --trails draws each centre's path over \
            the model_dir's checkpoints up to the one plotted. The file is written atomically.
            """
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var model: ModelDirOptions

    @Option(help: "The SVG file to write.")
    var out: String

    @Option(help: "Picture size in pixels, WIDTHxHEIGHT.")
    var size: String = "1200x800"

    @Flag(help: "Shade the Voronoi region of each centre.")
    var voronoi = false

    @Flag(help: "Draw each centre's trail over the checkpoints.")
    var trails = false

    @Option(help: "Title above the plot (default: the data file and the checkpoint).")
    var title: String?

    func validate() throws {
        if dataOptions.data == nil { throw ValidationError("--data FILE is required ('-' reads standard input)") }
        _ = try Self.parseSize(size)
    }

    /// Parses `WIDTHxHEIGHT` (each 200–10000).
    static func parseSize(_ text: String) throws -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (200...10_000).contains(w), (200...10_000).contains(h) else {
            throw ValidationError("--size must look like 1200x800, each side 200 to 10000 pixels (got \"\(text)\")")
        }
        return (w, h)
    }

    func run() throws {
        let (width, height) = try Self.parseSize(size)
        let context = try ModelContext.open(model, flags: try ModelParameterOptions.parse([]), featureColumns: dataOptions.featureColumnList)
        let (centers, step) = try context.centersAndStep()
        let input = try DataInput(dataOptions, featureColumns: context.parameters.featureColumns)
        let data = try input.loadAll(expectedColumns: centers.columns)
        // The data is read once (standard input cannot be read twice), then labelled by the model's own predict.
        let predictions = try context.estimator.predict(input: .wholeArray(data.matrix, epochs: 1), predictKeys: [KMeansClustering.CLUSTER_INDEX],
                                                        checkpointPath: context.checkpointPath, yieldSingleExamples: false)
        let labels = predictions.flatMap { $0.clusterIndex?.int64Values ?? [] }.map { Int($0) }
        guard labels.count == data.matrix.rows else {
            throw CLIError.data("\(input.path): the model labelled \(labels.count) of \(data.matrix.rows) rows")
        }

        let d = data.matrix.columns
        let map = PlaneMap(projection: d > 2 ? .pca : .axes(x: 0, y: 1), points: data.matrix)
        func plane(_ matrix: Matrix) -> [PlotPoint] {
            (0..<matrix.rows).map { i in
                let p = map.project(matrix.row(i))
                return PlotPoint(x: Double(p.x), y: Double(p.y))
            }
        }
        let palette = Palette(tier: .truecolor)
        let colors = (0..<8).map { j -> PlotColor in
            if case let .rgb(r, g, b) = palette.cluster(j) { return PlotColor(r, g, b) }
            return PlotColor(0, 0, 0)
        }
        var plot = ScatterPlot(points: plane(data.matrix), labels: labels, centers: plane(centers), clusterColors: colors)
        plot.width = width
        plot.height = height
        plot.showVoronoi = voronoi
        let names = data.featureNames
        plot.xLabel = d > 2 ? "PCA 1" : names.first ?? "x0"
        plot.yLabel = d > 2 ? "PCA 2" : d == 2 ? names[1] : "(one feature)"
        let source = input.path == "-" ? "standard input" : URL(fileURLWithPath: input.path).lastPathComponent
        plot.title = title ?? "\(source): k = \(centers.rows), global step \(step)"
        if d > 2 { plot.notes.append("PCA of \(d) features") }
        if voronoi && (d > 2 || context.parameters.distanceMetric == "cosine") {
            plot.notes.append("regions: nearest centre in this")
            plot.notes.append("plane (squared Euclidean)")
        }
        if trails { plot.trails = try trailPositions(upTo: step, k: centers.rows, d: d).map { plane($0) }.transposedTrails(k: centers.rows) }

        do { try writeFile(Array(plot.svg().utf8), to: out) } catch let error as DataError {
            throw CLIError.data("cannot write the plot: \(error.description) (check that the directory exists and is writable)")
        }
        StandardOutput.write("wrote \(out): \(width)×\(height), \(data.matrix.rows) points, \(centers.rows) centres at global step \(step)\n")
    }

    /// The centres of every checkpoint of the model_dir up to global step `step`, oldest first, with `k × d` centres.
    func trailPositions(upTo step: Int64, k: Int, d: Int) throws -> [Matrix] {
        let loaded = ModelDirCheckpoints.load(modelDir: model.modelDir)
        return loaded.entries.filter { $0.step <= step && $0.centers.rows == k && $0.centers.columns == d }
            .sorted { $0.step < $1.step }.map(\.centers)
    }
}

private extension Array where Element == [PlotPoint] {
    /// From one list of centres per checkpoint to one list of checkpoints per centre.
    func transposedTrails(k: Int) -> [[PlotPoint]] {
        (0..<k).map { j in compactMap { $0.indices.contains(j) ? $0[j] : nil } }
    }
}
