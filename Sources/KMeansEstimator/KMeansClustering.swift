import KMeansCore
import TFFormats

/// TensorFlow's K-Means estimator (`tf.compat.v1.estimator.experimental.KMeans`, formerly
/// `tf.contrib.factorization.KMeansClustering`): the same options, methods and float32 numbers.
///
/// The estimator keeps no model in memory between calls: every `train`, `evaluate`, `predict`, `clusterCenters`
/// and variable access restores the latest checkpoint from its store (the model dir, or memory when `modelDir`
/// is nil), exactly as TF rebuilds its graph per call.
public final class KMeansClustering {
    /// TF `ALL_DISTANCES`: the predict key of the distances to every centre.
    public static let ALL_DISTANCES = "all_distances"
    /// TF `CLUSTER_CENTERS_VAR_NAME`: the checkpoint variable holding the centres.
    public static let CLUSTER_CENTERS_VAR_NAME = "clusters"
    /// TF `CLUSTER_INDEX`: the predict key of the nearest centre's index.
    public static let CLUSTER_INDEX = "cluster_index"
    /// TF `COSINE_DISTANCE`.
    public static let COSINE_DISTANCE = "cosine"
    /// TF `KMEANS_PLUS_PLUS_INIT`.
    public static let KMEANS_PLUS_PLUS_INIT = "kmeans_plus_plus"
    /// TF `RANDOM_INIT`.
    public static let RANDOM_INIT = "random"
    /// TF `SCORE`: the evaluation metric key.
    public static let SCORE = "score"
    /// TF `SQUARED_EUCLIDEAN_DISTANCE`.
    public static let SQUARED_EUCLIDEAN_DISTANCE = "squared_euclidean"

    /// Where checkpoints and summaries are written; nil keeps them in memory.
    public let modelDir: String?
    /// Checkpoint, summary and logging cadence.
    public let config: RunConfig
    /// The algorithm options.
    public var params: KMeansParams { modelFunction.params }
    /// The pure step function bound to `params`: what this estimator (and the workbench) drives.
    public let modelFunction: ModelFunction
    /// The numeric columns used when the input is a dictionary of named columns (nil: all, in sorted name order).
    public let featureColumns: [NumericColumn]?

    let checkpointStore: CheckpointStore
    let summarySink: SummarySink

    /// Creates the estimator with TF's defaults; throws `KMeansError.invalidArgument` naming a bad argument.
    ///
    /// - Parameters:
    ///   - numClusters: k; ignored when `initialClusters` is an explicit matrix.
    ///   - modelDir: directory for checkpoints and summaries; nil keeps the model in memory.
    ///   - initialClusters: `.random` (default), `.kmeansPlusPlus`, `.matrix`, or `.callable`.
    ///   - distanceMetric: `.squaredEuclidean` (default) or `.cosine`.
    ///   - randomSeed: seed of the initialization RNGs; plays TF's `RunConfig.tf_random_seed`.
    ///   - useMiniBatch: mini-batch k-means (default, as TF) or full-batch Lloyd steps.
    ///   - miniBatchStepsPerIteration: M, steps between syncs of the working centres.
    ///   - kmeansPlusPlusNumRetries: extra k-means++ candidates per centre; negative: `2 + ⌊ln k⌋`.
    ///   - relativeTolerance: stop when the loss changes relatively less than this; nil disables.
    ///   - config: checkpoint and summary cadence.
    ///   - featureColumns: numeric columns selected from dictionary inputs.
    ///   - emptyClusterPolicy: full-batch handling of empty clusters (TF: `.origin`).
    ///   - miniBatchLearningRate: `.documented` 1/(n+m) (default) or `.tf215` 1/(n+2m).
    ///   - algorithm: full-batch assignment algorithm, `.auto` (default), `.lloyd` or `.hamerly`; same results.
    public convenience init(
        numClusters: Int,
        modelDir: String? = nil,
        initialClusters: InitialClusters = .random,
        distanceMetric: DistanceMetric = .squaredEuclidean,
        randomSeed: Int64 = 0,
        useMiniBatch: Bool = true,
        miniBatchStepsPerIteration: Int = 1,
        kmeansPlusPlusNumRetries: Int = 2,
        relativeTolerance: Double? = nil,
        config: RunConfig = RunConfig(),
        featureColumns: [NumericColumn]? = nil,
        emptyClusterPolicy: EmptyClusterPolicy = .origin,
        miniBatchLearningRate: MiniBatchLearningRate = .documented,
        algorithm: KMeansAlgorithm = .auto
    ) throws {
        let params = KMeansParams(
            numClusters: numClusters, initialClusters: initialClusters, distanceMetric: distanceMetric,
            randomSeed: randomSeed, useMiniBatch: useMiniBatch, miniBatchStepsPerIteration: miniBatchStepsPerIteration,
            kmeansPlusPlusNumRetries: kmeansPlusPlusNumRetries, relativeTolerance: relativeTolerance,
            emptyClusterPolicy: emptyClusterPolicy, miniBatchLearningRate: miniBatchLearningRate,
            algorithm: algorithm)
        try self.init(params: params, modelDir: modelDir, config: config, featureColumns: featureColumns)
    }

    /// Creates the estimator from prepared parameters.
    public init(params: KMeansParams, modelDir: String? = nil, config: RunConfig = RunConfig(), featureColumns: [NumericColumn]? = nil) throws {
        try config.validate()
        if let featureColumns {
            guard !featureColumns.isEmpty else {
                throw KMeansError.invalidArgument(argument: "featureColumns", reason: "must hold at least one column, or be nil")
            }
            if let bad = featureColumns.first(where: { $0.dimension <= 0 }) {
                throw KMeansError.invalidArgument(argument: "featureColumns", reason: "column '\(bad.key)' has dimension \(bad.dimension), expected > 0")
            }
            if Set(featureColumns.map(\.key)).count != featureColumns.count {
                throw KMeansError.invalidArgument(argument: "featureColumns", reason: "duplicate column keys")
            }
        }
        self.modelFunction = try ModelFunction(params: params)
        self.modelDir = modelDir
        self.config = config
        self.featureColumns = featureColumns
        (checkpointStore, summarySink) = try makeStores(modelDir: modelDir, config: config)
    }

    // MARK: Checkpoint access

    /// The path of the latest checkpoint, or nil when none exists (TF's `latest_checkpoint()`).
    public func latestCheckpoint() throws -> String? {
        try checkpointStore.latestCheckpointPath()
    }

    /// The names of the variables in the latest checkpoint, sorted (TF's `get_variable_names()`).
    public func variableNames() throws -> [String] {
        try latestVariables().keys.sorted()
    }

    /// The value of variable `name` in the latest checkpoint (TF's `get_variable_value(name)`).
    public func variableValue(_ name: String) throws -> Tensor {
        let variables = try latestVariables()
        guard let value = variables[name] else {
            throw KMeansError.invalidArgument(argument: "name", reason: "no variable '\(name)' in the latest checkpoint (has: \(variables.keys.sorted().joined(separator: ", ")))")
        }
        return value
    }

    /// The centres in the latest checkpoint (TF's `cluster_centers()`): the `clusters` variable as stored, so
    /// un-normalised for cosine mini-batch with M ≤ 1, and the initial centres during the first M steps for M > 1.
    public func clusterCenters() throws -> Matrix {
        guard let state = try restoreState(checkpointPath: nil) else { throw noTrainedModel() }
        return state.clusters
    }

    private func latestVariables() throws -> [String: Tensor] {
        guard let path = try checkpointStore.latestCheckpointPath() else { throw noTrainedModel() }
        return try checkpointStore.load(path)
    }

    /// The state in `checkpointPath` (nil: the latest checkpoint), or nil when no checkpoint exists.
    func restoreState(checkpointPath: String?) throws -> KMeansState? {
        try restoreCheckpoint(checkpointPath: checkpointPath)?.state
    }

    /// The checkpoint `checkpointPath` (nil: the latest): its path, its variables as stored and the state they hold
    /// (validated against the params); nil when no checkpoint exists.
    func restoreCheckpoint(
        checkpointPath: String?
    ) throws -> (path: String, variables: [String: Tensor], state: KMeansState)? {
        let path: String
        if let checkpointPath {
            path = checkpointPath
        } else if let latest = try checkpointStore.latestCheckpointPath() {
            path = latest
        } else {
            return nil
        }
        let variables = try checkpointStore.load(path)
        let state = try StateCoding.state(from: variables, params: params, path: path)
        try modelFunction.validate(state)
        return (path, variables, state)
    }

    /// Saves `state` through the store, with the listeners' callbacks around it; returns true when a listener
    /// asked to stop.
    func save(_ state: KMeansState, listeners: [any CheckpointSaverListener]) throws -> Bool {
        for listener in listeners { try listener.beforeSave(globalStep: state.globalStep) }
        let path = try checkpointStore.save(StateCoding.variables(of: state, params: params), globalStep: state.globalStep)
        var stop = false
        for listener in listeners where try listener.afterSave(globalStep: state.globalStep, path: path) { stop = true }
        return stop
    }

    func noTrainedModel() -> KMeansError {
        .noTrainedModel("Could not find trained model in model_dir: \(modelDir ?? "(in memory)")")
    }

    func log(_ message: @autoclosure () -> String) {
        config.log?(message())
    }
}
