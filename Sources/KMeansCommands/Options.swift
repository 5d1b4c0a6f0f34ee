import ArgumentParser
import KMeansCore
import KMeansData

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Human-readable tables (the default).
    case text
    /// One JSON object with TF's key names.
    case json
    /// One JSON object per line: per input row for per-example commands, else the single object on one line.
    case jsonl
    /// Comma-separated values.
    case csv
}

extension Delimiter: ExpressibleByArgument {}
extension HeaderPolicy: ExpressibleByArgument {}

/// Output flags shared by every command.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: text, json, jsonl or csv.")
    var format: OutputFormat = .text

    @Flag(help: "Print no progress on standard error.")
    var quiet = false
}

/// Where the data comes from and how to read it.
struct DataOptions: ParsableArguments {
    @Option(help: "Data file: CSV, TSV or .npy; '-' reads standard input.")
    var data: String?

    @Option(help: "Columns to use, by header name or 0-based index, comma-separated (e.g. a,b,c).")
    var featureColumns: String?

    @Flag(help: "Skip rows holding NaN, infinity or empty fields (and count them) instead of failing.")
    var skipInvalid = false

    @Option(help: "Text delimiter: comma, tab, semicolon or whitespace (default: detected).")
    var delimiter: Delimiter?

    @Option(help: "Whether the first text row is a header: detect, present or absent.")
    var header: HeaderPolicy = .detect

    /// The feature column list, split on commas.
    var featureColumnList: [String]? {
        featureColumns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: " ") } }
    }

    func readOptions(featureColumns: [String]?) -> DataReadOptions {
        DataReadOptions(delimiter: delimiter, header: header, featureColumns: featureColumns, skipInvalid: skipInvalid)
    }

    /// Throws a parameter error (exit 1) for a value no run can accept.
    func checkParameters() throws {
        if let list = featureColumnList, list.contains(where: \.isEmpty) {
            throw CLIError.parameter("--feature-columns has an empty name in '\(featureColumns ?? "")'")
        }
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}

/// The estimator's constructor options, spelled as TensorFlow's parameters in kebab case. Every one is optional
/// so that a value given on the command line can be told apart from a default (and checked against the model
/// directory's remembered parameters). As for every flag of the CLI, the name is the property's name in kebab case
/// (ArgumentParser's default): renaming a property renames its flag.
struct ModelParameterOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "k, the number of clusters.")
    var numClusters: Int?

    @Option(help: "random, kmeans_plus_plus, or a file of initial centres (CSV/TSV/.npy).")
    var initialClusters: String?

    @Option(help: "squared_euclidean or cosine.")
    var distanceMetric: String?

    @Option(parsing: .unconditional, help: "Seed of the initialization (TF's tf_random_seed).")
    var randomSeed: Int64?

    @Option(help: "true (the default, as TF) or false for full-batch Lloyd steps.")
    var useMiniBatch: Bool?

    @Option(parsing: .unconditional, help: "M: steps between syncs of the working centres.")
    var miniBatchStepsPerIteration: Int?

    @Option(parsing: .unconditional, help: "Extra k-means++ candidates per centre.")
    var kmeansPlusPlusNumRetries: Int?

    @Option(parsing: .unconditional, help: "Stop training when the relative loss change falls below this.")
    var relativeTolerance: Double?

    @Option(help: "Full-batch assignment: auto (default), lloyd or hamerly (same results, different speed), or incremental (same assignments; centres within a few ulps of TF's, not TF's bits). Not remembered.")
    var algorithm: String?

    /// The full-batch assignment algorithm for this run (`.auto` when not given).
    var assignmentAlgorithm: KMeansAlgorithm { algorithm.flatMap { KMeansAlgorithm(rawValue: $0) } ?? .auto }

    /// Throws a parameter error (exit 1) for a value no model accepts, as TF's constructor raises ValueError.
    func checkParameters() throws {
        if let numClusters, numClusters <= 0 {
            throw CLIError.parameter("--num-clusters must be > 0, given: \(numClusters)")
        }
        if let distanceMetric, DistanceMetric(rawValue: distanceMetric) == nil {
            throw CLIError.parameter("--distance-metric must be squared_euclidean or cosine, given: '\(distanceMetric)'")
        }
        if let initialClusters, initialClusters.isEmpty {
            throw CLIError.parameter("--initial-clusters must be random, kmeans_plus_plus or a file of centres, given an empty value")
        }
        if let algorithm, KMeansAlgorithm(rawValue: algorithm) == nil {
            throw CLIError.parameter("--algorithm must be auto, lloyd or hamerly (exact), or incremental; given: '\(algorithm)'")
        }
        if let relativeTolerance, !(relativeTolerance.isFinite && relativeTolerance >= 0) {
            throw CLIError.parameter("--relative-tolerance must be a finite number ≥ 0, given: \(relativeTolerance)")
        }
    }

    /// True when any option was given.
    var anyGiven: Bool {
        numClusters != nil || initialClusters != nil || distanceMetric != nil || randomSeed != nil || useMiniBatch != nil
            || miniBatchStepsPerIteration != nil || kmeansPlusPlusNumRetries != nil || relativeTolerance != nil
    }
}

/// The model directory and checkpoint to use.
struct ModelDirOptions: ParsableArguments {
    @Option(help: "The model directory (ours or TensorFlow's).")
    var modelDir: String

    @Option(help: "Use this checkpoint (e.g. DIR/model.ckpt-5) instead of the latest.")
    var checkpoint: String?
}
