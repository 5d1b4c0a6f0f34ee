import Foundation
import KMeansCore
import KMeansData
import TFFormats

/// The parameters a model directory was trained with, kept beside the checkpoints as `kmeans_params.json` so
/// later commands need only `--model-dir`. TensorFlow ignores the file.
struct StoredParameters: Codable, Equatable {
    static let fileName = "kmeans_params.json"

    var formatVersion = 1
    var numClusters: Int
    /// `random`, `kmeans_plus_plus` or `explicit` (then `initialCenters` holds them).
    var initialClusters: String
    var initialCenters: [[Float]]?
    var distanceMetric: String
    var randomSeed: Int64
    var useMiniBatch: Bool
    var miniBatchStepsPerIteration: Int
    var kmeansPlusPlusNumRetries: Int
    var relativeTolerance: Double?
    /// The data columns the model was trained on (by name or index), nil for all.
    var featureColumns: [String]?
    /// The number of features (the centres' width), once known.
    var numFeatures: Int?
    /// The names of the features trained on (from the data's header), when it had one.
    var featureNames: [String]?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case numClusters = "num_clusters"
        case initialClusters = "initial_clusters"
        case initialCenters = "initial_centers"
        case distanceMetric = "distance_metric"
        case randomSeed = "random_seed"
        case useMiniBatch = "use_mini_batch"
        case miniBatchStepsPerIteration = "mini_batch_steps_per_iteration"
        case kmeansPlusPlusNumRetries = "kmeans_plus_plus_num_retries"
        case relativeTolerance = "relative_tolerance"
        case featureColumns = "feature_columns"
        case numFeatures = "num_features"
        case featureNames = "feature_names"
    }

    /// The estimator parameters these describe (with `relativeTolerance` and `algorithm` for this run).
    func kmeansParams(relativeTolerance: Double?, algorithm: KMeansAlgorithm = .auto) -> KMeansParams {
        let initial: InitialClusters
        switch initialClusters {
        case "kmeans_plus_plus": initial = .kmeansPlusPlus
        case "explicit":
            let rows = initialCenters ?? []
            initial = .matrix(Matrix(rows: rows.count, columns: rows.first?.count ?? 0, values: rows.flatMap { $0 }))
        default: initial = .random
        }
        return KMeansParams(
            numClusters: numClusters, initialClusters: initial,
            distanceMetric: DistanceMetric(rawValue: distanceMetric) ?? .squaredEuclidean,
            randomSeed: randomSeed, useMiniBatch: useMiniBatch, miniBatchStepsPerIteration: miniBatchStepsPerIteration,
            kmeansPlusPlusNumRetries: kmeansPlusPlusNumRetries, relativeTolerance: relativeTolerance,
            algorithm: algorithm)
    }

    /// The parameters as a JSON object with the file's key names.
    var jsonValue: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("num_clusters", .int(Int64(numClusters))),
            ("initial_clusters", .string(initialClusters)),
            ("distance_metric", .string(distanceMetric)),
            ("random_seed", .int(randomSeed)),
            ("use_mini_batch", .bool(useMiniBatch)),
            ("mini_batch_steps_per_iteration", .int(Int64(miniBatchStepsPerIteration))),
            ("kmeans_plus_plus_num_retries", .int(Int64(kmeansPlusPlusNumRetries))),
            ("relative_tolerance", relativeTolerance.map { .double($0) } ?? .null),
            ("feature_columns", featureColumns.map { .array($0.map { .string($0) }) } ?? .null),
            ("feature_names", featureNames.map { .array($0.map { .string($0) }) } ?? .null),
            ("num_features", numFeatures.map { .int(Int64($0)) } ?? .null),
        ]
        if let initialCenters { fields.append(("initial_centers", .matrix(initialCenters))) }
        return .object(fields)
    }

    /// Reads the file in `directory`, or nil when there is none.
    static func load(from directory: URL) throws -> StoredParameters? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let data = try Data(contentsOf: url)
            guard data.count < 64 << 20 else { throw CLIError.data("\(url.path): parameter file is implausibly large (\(data.count) bytes)") }
            let parameters = try JSONDecoder().decode(StoredParameters.self, from: data)
            try parameters.validate(path: url.path)
            return parameters
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.data("\(url.path): cannot read the remembered parameters: \(Self.describe(error)) "
                                + "(restore the file, or train in a new --model-dir)")
        }
    }

    /// A reading or decoding failure in the file's own terms (its JSON field names), not Swift's.
    private static func describe(_ error: any Error) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "\(field(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context)?, .typeMismatch(_, let context)?:
            return "\(field(context.codingPath)) has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "\(field(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    /// Refuses values no run could have written (the file may come from elsewhere), naming the file and field.
    func validate(path: String) throws {
        func bad(_ field: String, _ value: String, _ expected: String) -> CLIError {
            CLIError.data("\(path): \(field) is \(value.debugDescription.dropFirst().dropLast()), expected \(expected)")
        }
        if numClusters < 1 { throw bad("num_clusters", "\(numClusters)", "a positive integer") }
        if !["random", "kmeans_plus_plus", "explicit"].contains(initialClusters) {
            throw bad("initial_clusters", initialClusters, "random, kmeans_plus_plus or explicit")
        }
        if DistanceMetric(rawValue: distanceMetric) == nil { throw bad("distance_metric", distanceMetric, "squared_euclidean or cosine") }
        // mini_batch_steps_per_iteration ≤ 1 and negative k-means++ retries are valid in TensorFlow (§1.1).
        if let relativeTolerance, !(relativeTolerance >= 0 && relativeTolerance.isFinite) {
            throw bad("relative_tolerance", "\(relativeTolerance)", "a finite number ≥ 0")
        }
        if let numFeatures, numFeatures < 1 { throw bad("num_features", "\(numFeatures)", "a positive integer") }
        if let rows = initialCenters {
            let width = rows.first?.count ?? 0
            if rows.count != numClusters || width < 1 || rows.contains(where: { $0.count != width || !$0.allSatisfy(\.isFinite) }) {
                throw bad("initial_centers", "\(rows.count) rows", "\(numClusters) rows of equal width with finite values")
            }
        }
    }

    /// Writes the file into `directory` atomically.
    func save(in directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try writeFile(Array(data) + [0x0A], to: directory.appendingPathComponent(Self.fileName).path)
    }
}

/// What a checkpoint's variables say about the model that wrote it (for TensorFlow dirs without our file).
struct CheckpointFacts {
    var numClusters: Int?
    var numFeatures: Int?
    var useMiniBatch: Bool
    var separateWorkingCopy: Bool
    var checkpoint: CheckpointReference

    /// Reads the latest checkpoint's index of `directory`; nil when the directory has no checkpoint.
    static func read(directory: URL) throws -> CheckpointFacts? {
        let modelDirectory = ModelDirectory(url: directory)
        guard let latest = try modelDirectory.latestCheckpoint() else { return nil }
        let reader = try modelDirectory.open(latest)
        var facts = CheckpointFacts(numClusters: nil, numFeatures: nil, useMiniBatch: reader.entry(named: "Variable") != nil,
                                    separateWorkingCopy: reader.entry(named: "clusters_updated") != nil, checkpoint: latest)
        if let clusters = reader.entry(named: "clusters"), clusters.shape.count == 2 {
            facts.numClusters = clusters.shape[0]
            facts.numFeatures = clusters.shape[1]
        } else if let counts = reader.entry(named: "Variable"), counts.shape.count == 1 {
            facts.numClusters = counts.shape[0]
        }
        return facts
    }
}

/// Resolves the parameters of a run from the command line, the model directory's remembered parameters and its
/// latest checkpoint, refusing flags that contradict what the directory holds.
struct ParameterResolver {
    let directory: URL
    /// The model directory as the user wrote it, for messages.
    let displayName: String
    let flags: ModelParameterOptions
    let featureColumns: [String]?

    /// The explicit initial centres from `--initial-clusters FILE`, if that is what was given.
    func explicitCenters(dataOptions: DataOptions) throws -> Matrix? {
        guard let value = flags.initialClusters, value != "random", value != "kmeans_plus_plus" else { return nil }
        guard value == "-" || FileManager.default.fileExists(atPath: value) else {
            throw CLIError.parameter("--initial-clusters must be random, kmeans_plus_plus or an existing file of centres; '\(value)' is none of these")
        }
        let options = DataReadOptions(delimiter: dataOptions.delimiter, header: dataOptions.header)
        return try CLIError.withoutSkipHint { try DataLoader.load(path: value, options: options).matrix }
    }

    func resolve(stored: StoredParameters?, facts: CheckpointFacts?, explicitCenters: Matrix?, training: Bool) throws -> StoredParameters {
        let origin = stored != nil ? (displayName as NSString).appendingPathComponent(StoredParameters.fileName) : "the checkpoint in \(displayName)"
        func conflict(_ flag: String, _ given: String, _ remembered: String) -> CLIError {
            .parameter("--\(flag) \(given) conflicts with the model directory: it was trained with \(flag.replacingOccurrences(of: "-", with: "_")) = \(remembered) (\(origin)); omit the flag or use another --model-dir")
        }
        let initialName: String? = explicitCenters != nil ? "explicit" : flags.initialClusters
        if let stored {
            if let k = flags.numClusters, k != stored.numClusters { throw conflict("num-clusters", "\(k)", "\(stored.numClusters)") }
            if let name = initialName, name != stored.initialClusters { throw conflict("initial-clusters", flags.initialClusters ?? name, stored.initialClusters) }
            if let centers = explicitCenters, centers.nestedRows != (stored.initialCenters ?? []) {
                throw conflict("initial-clusters", flags.initialClusters ?? "", "other explicit centres")
            }
            if let metric = flags.distanceMetric, metric != stored.distanceMetric { throw conflict("distance-metric", metric, stored.distanceMetric) }
            if let seed = flags.randomSeed, seed != stored.randomSeed { throw conflict("random-seed", "\(seed)", "\(stored.randomSeed)") }
            if let mini = flags.useMiniBatch, mini != stored.useMiniBatch { throw conflict("use-mini-batch", "\(mini)", "\(stored.useMiniBatch)") }
            if let m = flags.miniBatchStepsPerIteration, m != stored.miniBatchStepsPerIteration {
                throw conflict("mini-batch-steps-per-iteration", "\(m)", "\(stored.miniBatchStepsPerIteration)")
            }
            if let r = flags.kmeansPlusPlusNumRetries, r != stored.kmeansPlusPlusNumRetries {
                throw conflict("kmeans-plus-plus-num-retries", "\(r)", "\(stored.kmeansPlusPlusNumRetries)")
            }
            if let columns = featureColumns, columns != (stored.featureColumns ?? columns) {
                throw CLIError.parameter("--feature-columns \(columns.joined(separator: ",")) conflicts with the model directory: it was trained on \((stored.featureColumns ?? []).joined(separator: ",")) (\(origin))")
            }
            var result = stored
            if result.featureColumns == nil { result.featureColumns = featureColumns }
            if let tolerance = flags.relativeTolerance { result.relativeTolerance = tolerance }
            return result
        }
        // No remembered parameters: flags, else what the checkpoint shows, else TF's defaults.
        if let facts {
            if let k = flags.numClusters, let known = facts.numClusters, k != known { throw conflict("num-clusters", "\(k)", "\(known)") }
            if let mini = flags.useMiniBatch, mini != facts.useMiniBatch { throw conflict("use-mini-batch", "\(mini)", "\(facts.useMiniBatch)") }
            if let m = flags.miniBatchStepsPerIteration, facts.useMiniBatch, (m > 1) != facts.separateWorkingCopy {
                throw conflict("mini-batch-steps-per-iteration", "\(m)", facts.separateWorkingCopy ? "> 1" : "≤ 1")
            }
            if let centers = explicitCenters, let known = facts.numClusters, centers.rows != known {
                throw CLIError.data("\(flags.initialClusters ?? ""): holds \(centers.rows) centres but the checkpoint in \(displayName) has k = \(known)")
            }
        }
        let k: Int
        if let centers = explicitCenters {
            if let given = flags.numClusters, given != centers.rows {
                throw CLIError.data("\(flags.initialClusters ?? ""): holds \(centers.rows) centres but --num-clusters is \(given)")
            }
            k = centers.rows
        } else if let given = flags.numClusters {
            k = given
        } else if let known = facts?.numClusters {
            k = known
        } else {
            throw CLIError.usage(training ? "--num-clusters is required for a new model (or give --initial-clusters FILE)"
                                          : "\(displayName) has no trained model (no checkpoint and no \(StoredParameters.fileName))")
        }
        let miniBatch = flags.useMiniBatch ?? facts?.useMiniBatch ?? true
        let defaultM = (facts?.separateWorkingCopy ?? false) ? 2 : 1
        return StoredParameters(
            numClusters: k,
            initialClusters: initialName ?? "random",
            initialCenters: explicitCenters?.nestedRows,
            distanceMetric: flags.distanceMetric ?? "squared_euclidean",
            randomSeed: flags.randomSeed ?? 0,
            useMiniBatch: miniBatch,
            miniBatchStepsPerIteration: flags.miniBatchStepsPerIteration ?? defaultM,
            kmeansPlusPlusNumRetries: flags.kmeansPlusPlusNumRetries ?? 2,
            relativeTolerance: flags.relativeTolerance,
            featureColumns: featureColumns,
            numFeatures: facts?.numFeatures)
    }
}
