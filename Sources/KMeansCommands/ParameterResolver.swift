import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator

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

    /// The run's parameters; `batchSize` and `shuffle` are `kmeans train`'s batch flags (nil: not given), remembered
    /// like the model's own: a remembered batch size is kept unless the flag names another (an error), a model
    /// without one takes the flag's, and a shuffled model stays shuffled.
    func resolve(stored: StoredParameters?, facts: CheckpointFacts?, explicitCenters: Matrix?, training: Bool,
                 batchSize: Int? = nil, shuffle: Bool? = nil) throws -> StoredParameters {
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
            if let batchSize, let remembered = stored.batchSize, batchSize != remembered {
                throw conflict("batch-size", "\(batchSize)", "\(remembered)")
            }
            var result = stored
            if result.featureColumns == nil { result.featureColumns = featureColumns }
            if result.batchSize == nil { result.batchSize = batchSize }
            if shuffle == true { result.shuffle = true }
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
        // Start from what a TensorFlow checkpoint shows (k, d, mode, M), then the flags.
        var result = facts.flatMap(StoredParameters.inferred(from:)) ?? StoredParameters(numClusters: k)
        result.numClusters = k
        result.initialClusters = initialName ?? "random"
        result.initialCenters = explicitCenters?.nestedRows
        result.distanceMetric = flags.distanceMetric ?? result.distanceMetric
        result.randomSeed = flags.randomSeed ?? result.randomSeed
        result.useMiniBatch = flags.useMiniBatch ?? result.useMiniBatch
        result.miniBatchStepsPerIteration = flags.miniBatchStepsPerIteration ?? result.miniBatchStepsPerIteration
        result.kmeansPlusPlusNumRetries = flags.kmeansPlusPlusNumRetries ?? result.kmeansPlusPlusNumRetries
        result.relativeTolerance = flags.relativeTolerance
        result.featureColumns = featureColumns
        result.numFeatures = facts?.numFeatures
        result.batchSize = batchSize
        result.shuffle = shuffle == true ? true : nil
        return result
    }
}
