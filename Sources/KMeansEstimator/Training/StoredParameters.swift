import Foundation
import KMeansCore
import TFFormats

/// The parameters a model directory was trained with, kept beside the checkpoints as `kmeans_params.json` so
/// later commands (and the workbench) need only the directory. TensorFlow ignores the file.
public struct StoredParameters: Codable, Equatable, Sendable {
    /// The file's name in the model directory.
    public static let fileName = "kmeans_params.json"

    public var formatVersion = 1
    public var numClusters: Int
    /// `random`, `kmeans_plus_plus` or `explicit` (then `initialCenters` holds them).
    public var initialClusters: String
    public var initialCenters: [[Float]]?
    public var distanceMetric: String
    public var randomSeed: Int64
    public var useMiniBatch: Bool
    public var miniBatchStepsPerIteration: Int
    public var kmeansPlusPlusNumRetries: Int
    public var relativeTolerance: Double?
    /// The data columns the model was trained on (by name or index), nil for all.
    public var featureColumns: [String]?
    /// The number of features (the centres' width), once known.
    public var numFeatures: Int?
    /// The names of the features trained on (from the data's header), when it had one.
    public var featureNames: [String]?
    /// Rows per mini-batch (`kmeans train --batch-size`), nil: the whole data per step.
    public var batchSize: Int?
    /// Whether batches visit the rows in a seeded order per epoch (seed: `randomSeed`).
    public var shuffle: Bool?
    /// Full-batch handling of empty clusters (`origin`, TF's, when absent).
    public var emptyClusterPolicy: String?

    /// Parameters with TF's defaults for everything not given.
    public init(
        numClusters: Int, initialClusters: String = "random", initialCenters: [[Float]]? = nil,
        distanceMetric: String = DistanceMetric.squaredEuclidean.rawValue, randomSeed: Int64 = 0,
        useMiniBatch: Bool = true, miniBatchStepsPerIteration: Int = 1, kmeansPlusPlusNumRetries: Int = 2,
        relativeTolerance: Double? = nil, featureColumns: [String]? = nil, numFeatures: Int? = nil,
        featureNames: [String]? = nil, batchSize: Int? = nil, shuffle: Bool? = nil, emptyClusterPolicy: String? = nil
    ) {
        self.numClusters = numClusters
        self.initialClusters = initialClusters
        self.initialCenters = initialCenters
        self.distanceMetric = distanceMetric
        self.randomSeed = randomSeed
        self.useMiniBatch = useMiniBatch
        self.miniBatchStepsPerIteration = miniBatchStepsPerIteration
        self.kmeansPlusPlusNumRetries = kmeansPlusPlusNumRetries
        self.relativeTolerance = relativeTolerance
        self.featureColumns = featureColumns
        self.numFeatures = numFeatures
        self.featureNames = featureNames
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.emptyClusterPolicy = emptyClusterPolicy
    }

    /// What a TensorFlow-written directory's checkpoint shows (k, d, mode, M > 1), TF's defaults for the rest
    /// (TF keeps no metric or seed in a checkpoint: squared Euclidean and 0 are assumed).
    public static func inferred(from facts: CheckpointFacts) -> StoredParameters? {
        guard let k = facts.numClusters else { return nil }
        return StoredParameters(numClusters: k, useMiniBatch: facts.useMiniBatch,
                                miniBatchStepsPerIteration: facts.separateWorkingCopy ? 2 : 1, numFeatures: facts.numFeatures)
    }

    /// The batch schedule these parameters train with over `rows` rows (no batch size: the whole data every step).
    public func schedule(rows: Int) throws -> BatchSchedule {
        try BatchSchedule(rows: rows, batchSize: batchSize,
                          shuffleSeed: (shuffle ?? false) ? UInt64(bitPattern: randomSeed) : nil)
    }

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
        case batchSize = "batch_size"
        case shuffle
        case emptyClusterPolicy = "empty_cluster_policy"
    }

    /// The estimator parameters these describe (with `relativeTolerance` and `algorithm` for this run).
    public func kmeansParams(relativeTolerance: Double?, algorithm: KMeansAlgorithm = .auto) -> KMeansParams {
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
            emptyClusterPolicy: emptyClusterPolicy.flatMap(EmptyClusterPolicy.init(rawValue:)) ?? .origin,
            algorithm: algorithm)
    }

    /// Reads the file in `directory`, or nil when there is none.
    public static func load(from directory: URL) throws -> StoredParameters? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let data = try Data(contentsOf: url)
            guard data.count < 64 << 20 else { throw ModelDirError("\(url.path): parameter file is implausibly large (\(data.count) bytes)") }
            let parameters = try JSONDecoder().decode(StoredParameters.self, from: data)
            try parameters.validate(path: url.path)
            return parameters
        } catch let error as ModelDirError {
            throw error
        } catch {
            throw ModelDirError("\(url.path): cannot read the remembered parameters: \(Self.describe(error)) "
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
    public func validate(path: String) throws {
        func bad(_ field: String, _ value: String, _ expected: String) -> ModelDirError {
            ModelDirError("\(path): \(field) is \(value.debugDescription.dropFirst().dropLast()), expected \(expected)")
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
        if let batchSize, batchSize < 1 { throw bad("batch_size", "\(batchSize)", "a positive integer") }
        if let policy = emptyClusterPolicy, EmptyClusterPolicy(rawValue: policy) == nil {
            throw bad("empty_cluster_policy", policy, EmptyClusterPolicy.allCases.map(\.rawValue).joined(separator: " or "))
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
    public func save(in directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try writeFileAtomically(Array(data) + [0x0A], to: directory.appendingPathComponent(Self.fileName))
    }
}

/// What a checkpoint's variables say about the model that wrote it (for TensorFlow dirs without our file).
public struct CheckpointFacts: Sendable {
    /// k, from `clusters` (or TF's `Variable`).
    public var numClusters: Int?
    /// d, from `clusters`.
    public var numFeatures: Int?
    /// Whether the checkpoint holds mini-batch counts (TF's `Variable`).
    public var useMiniBatch: Bool
    /// Whether it holds a separate working copy (`clusters_updated`, M > 1).
    public var separateWorkingCopy: Bool
    /// The checkpoint read.
    public var checkpoint: CheckpointReference

    /// Reads the latest checkpoint's index of `directory`; nil when the directory has no checkpoint.
    public static func read(directory: URL) throws -> CheckpointFacts? {
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

