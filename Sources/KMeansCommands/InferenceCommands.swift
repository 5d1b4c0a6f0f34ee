import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// Options shared by the commands that read data against a trained model.
struct InferenceOptions: ParsableArguments {
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var model: ModelDirOptions
    @OptionGroup var parameters: ModelParameterOptions
    @Option(parsing: .unconditional, help: "Rows per batch (default: the whole file as one batch for evaluate/score, 65536 for predict/transform).")
    var batchSize: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if dataOptions.data == nil { throw ValidationError("--data FILE is required ('-' reads standard input)") }
    }

    func open() throws -> (ModelContext, DataInput) {
        if let batchSize, batchSize <= 0 { throw CLIError.parameter("--batch-size must be > 0, given: \(batchSize)") }
        let context = try ModelContext.open(model, flags: parameters, featureColumns: dataOptions.featureColumnList)
        let input = try DataInput(dataOptions, featureColumns: context.parameters.featureColumns, quiet: output.quiet)
        return (context, input)
    }

    /// The evaluation input: the whole file as one batch, or streamed batches.
    func evaluationInput(_ input: DataInput, columns: Int?) throws -> InputFunction {
        if let batchSize, input.path != "-" {
            return input.singlePassInput(batchSize: batchSize, expectedColumns: columns)
        }
        let data = try input.loadAll(expectedColumns: columns)
        if let batchSize {
            let points = data.matrix
            return InputFunction {
                var start = 0
                return BatchStream {
                    guard start < points.rows else { return nil }
                    let end = min(start + batchSize, points.rows)
                    defer { start = end }
                    return InputBatch(points.rows(start..<end))
                }
            }
        }
        return .wholeArray(data.matrix, epochs: 1)
    }
}

/// `kmeans evaluate`: TF's evaluate (loss = score = mean over batches of each batch's sum of distances).
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Evaluate a model on a data file: loss, score and global step (TF's evaluate).")

    @OptionGroup var options: InferenceOptions
    @Option(parsing: .unconditional, help: "Evaluate at most this many batches.")
    var steps: Int?

    func run() throws {
        if let steps, steps <= 0 { throw CLIError.parameter("--steps must be > 0, given: \(steps)") }
        let (context, input) = try options.open()
        let result = try context.estimator.evaluate(input: options.evaluationInput(input, columns: context.numFeatures), steps: steps,
                                                    checkpointPath: context.checkpointPath)
        printMetrics([("loss", .float(result.loss)), ("score", .float(result.score)), ("global_step", .int(result.globalStep))],
                     format: options.output.format)
    }
}

/// `kmeans score`: TF's score, the sum of distances of the first batch (the whole file by default).
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Sum of distances from each point to its nearest centre (TF's score: the first batch only).")

    @OptionGroup var options: InferenceOptions

    func run() throws {
        let (context, input) = try options.open()
        let result = try context.estimator.evaluate(input: options.evaluationInput(input, columns: context.numFeatures), steps: 1,
                                                    checkpointPath: context.checkpointPath)
        printMetrics([("score", .float(result.score)), ("global_step", .int(result.globalStep))], format: options.output.format)
    }
}

func printMetrics(_ fields: [(String, JSONValue)], format: OutputFormat) {
    switch format {
    case .json: StandardOutput.write(JSONValue.object(fields).pretty + "\n")
    case .jsonl: StandardOutput.write(JSONValue.object(fields).compact + "\n")
    case .csv:
        StandardOutput.write(fields.map(\.0).joined(separator: ",") + "\n" + fields.map { $0.1.compact }.joined(separator: ",") + "\n")
    case .text:
        let width = fields.map(\.0.count).max() ?? 0
        StandardOutput.write(fields.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1.compact }.joined(separator: "\n") + "\n")
    }
}

/// Runs the model over the data in chunks, handing each chunk's raw distances and nearest indices to `body`.
func forEachPrediction(_ context: ModelContext, _ input: DataInput, batchSize: Int,
                       _ body: (_ distances: Matrix, _ indices: [Int64]) throws -> Void) throws {
    let reader = try input.openReader(expectedColumns: context.numFeatures)
    var sawRows = false
    while let chunk = try reader.nextBatch(maxRows: batchSize) {
        sawRows = true
        let results = try context.estimator.predict(input: .wholeArray(chunk, epochs: 1), checkpointPath: context.checkpointPath,
                                                    yieldSingleExamples: false)
        guard let result = results.first, let distances = result.allDistances, let indices = result.clusterIndex?.int64Values,
              let values = distances.floatValues, distances.shape.count == 2 else {
            throw CLIError.data("\(input.path): the model returned no prediction for a batch of \(chunk.rows) rows")
        }
        try body(Matrix(rows: distances.shape[0], columns: distances.shape[1], values: values), indices)
    }
    if !sawRows { throw input.noRows(skipped: reader.skippedRows) }
}

/// `kmeans predict`: the nearest centre and the raw distances to every centre, per input row, in input order.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict each row's cluster_index and all_distances (TF's predict), in input order.")

    @OptionGroup var options: InferenceOptions

    func run() throws {
        try writeRows(options, layout: .predict) { _, raw in raw }
    }
}

/// `kmeans transform`: distances to every centre (Euclidean, or 1 − cos), per input row (TF's transform).
struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform", abstract: "Distances from each row to every centre (TF's transform: Euclidean, or 1 − cos for cosine).")

    @OptionGroup var options: InferenceOptions

    func run() throws {
        try writeRows(options, layout: .transform) { context, raw in context.estimator.modelFunction.transformed(allDistances: raw) }
    }
}

/// Runs the model over the data and writes one output row per input row, as `layout` lays them out; `distances`
/// turns a chunk's raw distances into the ones shown.
func writeRows(_ options: InferenceOptions, layout: RowLayout,
               distances: (_ context: ModelContext, _ raw: Matrix) -> Matrix) throws {
    let (context, input) = try options.open()
    var writer = RowWriter(format: options.output.format, layout: layout)
    try forEachPrediction(context, input, batchSize: options.batchSize ?? 65536) { raw, indices in
        writer.write(distances(context, raw), indices: indices)
    }
    writer.finish()
}

/// How a per-row command lays out a row: its distances to every centre, led or not by its cluster index.
struct RowLayout: Sendable {
    /// Whether each row leads with its `cluster_index` (json, jsonl and csv).
    var leadsWithIndex: Bool
    /// The key of the distances in json and jsonl.
    var distancesKey: StaticString
    /// The csv columns of the distances: this stem and the centre's number.
    var csvColumnStem: StaticString
    /// The text table's column titles after `#`, for `columns` centres.
    var textTitles: @Sendable (_ columns: Int) -> [String]
    /// One row's text cells after its number.
    var textCells: @Sendable (_ distances: ArraySlice<Float>, _ index: Int64) -> [String]

    /// `predict`: the index and raw distances; the text table shows the index and the distance to that centre.
    static let predict = RowLayout(
        leadsWithIndex: true, distancesKey: "all_distances", csvColumnStem: "all_distances_",
        textTitles: { _ in ["cluster_index", "distance"] },
        textCells: { distances, index in ["\(index)", "\(distances[distances.startIndex + Int(index)])"] })

    /// `transform`: the distances only, in every format.
    static let transform = RowLayout(
        leadsWithIndex: false, distancesKey: "distances", csvColumnStem: "distance_",
        textTitles: { columns in (0..<columns).map { "distance_\($0)" } },
        textCells: { distances, _ in distances.map { "\($0)" } })
}

/// Writes per-row results chunk by chunk: jsonl and csv stream to standard output as each chunk comes, json and
/// text (which need all rows: one object, aligned columns) are gathered and written by `finish()`.
struct RowWriter {
    let format: OutputFormat
    let layout: RowLayout
    private var indices: [Int64] = []
    private var rows: [[Float]] = []
    private var textRows: [[String]] = []
    private var wroteHeader = false

    init(format: OutputFormat, layout: RowLayout) {
        self.format = format
        self.layout = layout
    }

    /// One chunk: row `i` has the distances `distances.row(i)` and the nearest centre `indices[i]`.
    mutating func write(_ distances: Matrix, indices chunkIndices: [Int64]) {
        switch format {
        case .jsonl:
            var out = OutputBuffer()
            for i in 0..<distances.rows {
                out.append("{")
                if layout.leadsWithIndex {
                    out.append("\"cluster_index\":")
                    out.append(chunkIndices[i])
                    out.append(",")
                }
                out.append("\"")
                out.append(layout.distancesKey)
                out.append("\":[")
                out.append(distances.row(i), separator: ",")
                out.append("]}\n")
            }
            out.flush()
        case .csv:
            var out = OutputBuffer()
            if !wroteHeader {
                if layout.leadsWithIndex { out.append("cluster_index,") }
                for j in 0..<distances.columns {
                    if j > 0 { out.append(",") }
                    out.append(layout.csvColumnStem)
                    out.append(Int64(j))
                }
                out.append("\n")
                wroteHeader = true
            }
            for i in 0..<distances.rows {
                if layout.leadsWithIndex {
                    out.append(chunkIndices[i])
                    out.append(",")
                }
                out.append(distances.row(i), separator: ",")
                out.append("\n")
            }
            out.flush()
        case .json:
            if layout.leadsWithIndex { indices += chunkIndices }
            rows += distances.nestedRows
        case .text:
            if textRows.isEmpty { textRows.append(["#"] + layout.textTitles(distances.columns)) }
            for i in 0..<distances.rows {
                textRows.append(["\(textRows.count - 1)"] + layout.textCells(distances.row(i), chunkIndices[i]))
            }
        }
    }

    /// Writes what json and text gathered (jsonl and csv have written everything already).
    func finish() {
        switch format {
        case .json:
            var fields: [(String, JSONValue)] = []
            if layout.leadsWithIndex { fields.append(("cluster_index", .array(indices.map { .int($0) }))) }
            fields.append(("\(layout.distancesKey)", .matrix(rows)))
            StandardOutput.write(JSONValue.object(fields).pretty + "\n")
        case .text:
            StandardOutput.write(formatTextRows(textRows))
        case .jsonl, .csv:
            break
        }
    }
}

/// `kmeans centers`: the cluster centres and global step of the latest (or a given) checkpoint.
struct CentersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "centers", abstract: "Print the cluster centres and the global step (TF's cluster_centers).")

    @OptionGroup var model: ModelDirOptions
    @OptionGroup var parameters: ModelParameterOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = try ModelContext.open(model, flags: parameters, featureColumns: nil)
        let (centers, step) = try context.centersAndStep()
        let header = featureHeader(context.parameters, columns: centers.columns)
        switch output.format {
        case .json:
            StandardOutput.write(JSONValue.object([("cluster_centers", .matrix(centers.nestedRows)), ("global_step", .int(step))]).pretty + "\n")
        case .jsonl:
            StandardOutput.write(JSONValue.object([("cluster_centers", .matrix(centers.nestedRows)), ("global_step", .int(step))]).compact + "\n")
        case .csv:
            StandardOutput.write(CSVWriter.format(centers, header: header))
        case .text:
            StandardOutput.write("global step: \(step)\ncluster centers (\(centers.rows) × \(centers.columns)):\n" + formatTable(centers, header: header))
        }
    }
}
