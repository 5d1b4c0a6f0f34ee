import KMeansCore
import TFFormats

/// What `evaluate` returns: TF's `{'loss', 'score', 'global_step'}`.
public struct EvaluationResult: Sendable, Equatable {
    /// Mean over evaluated batches of each batch's sum of distances to the nearest centre.
    public var loss: Float
    /// The same value under TF's `SCORE` key.
    public var score: Float
    /// The global step of the evaluated checkpoint.
    public var globalStep: Int64

    /// The metrics keyed by TF's names: `loss`, `score`, `global_step`.
    public var metrics: [String: Double] {
        ["loss": Double(loss), KMeansClustering.SCORE: Double(score), "global_step": Double(globalStep)]
    }
}

/// One `predict` output: per example (`all_distances` shape [k], `cluster_index` shape []) or per batch
/// ([n, k] and [n]); a key filtered out by `predictKeys` is nil.
public struct PredictionResult: Sendable, Equatable {
    /// TF `all_distances`: raw squared Euclidean distances (may be slightly negative) or `1 − cos`, float32.
    public var allDistances: Tensor?
    /// TF `cluster_index`: index of the nearest centre, int64.
    public var clusterIndex: Tensor?

    /// The output under TF's key (`all_distances` or `cluster_index`).
    public subscript(key: String) -> Tensor? {
        switch key {
        case KMeansClustering.ALL_DISTANCES: allDistances
        case KMeansClustering.CLUSTER_INDEX: clusterIndex
        default: nil
        }
    }
}

extension KMeansClustering {
    /// Evaluates the model on `input` (TF's `evaluate`): loss = score = the mean over batches of each batch's sum
    /// of distances to the nearest centre. Writes `loss` and `score` summaries to the evaluation stream `name`.
    ///
    /// - Parameters:
    ///   - input: the input function; called once per `evaluate`.
    ///   - steps: evaluate at most this many batches (> 0); nil evaluates until the input ends.
    ///   - hooks: callbacks around each evaluated batch.
    ///   - checkpointPath: evaluate this checkpoint instead of the latest.
    ///   - name: the evaluation's name (separate summary streams per name).
    public func evaluate(
        input: InputFunction, steps: Int? = nil, hooks: [any SessionRunHook] = [], checkpointPath: String? = nil,
        name: String? = nil
    ) throws -> EvaluationResult {
        if let steps, steps <= 0 {
            throw KMeansError.invalidArgument(argument: "steps", reason: "Must specify steps > 0, given: \(steps)")
        }
        let state = try trainedState(checkpointPath: checkpointPath)
        let context = RunContext(globalStep: state.globalStep)
        for hook in hooks { try hook.begin(context) }
        let stream = try input.makeStream()
        var total: Float = 0
        var count: Float = 0
        var evaluated = 0
        while !context.stopRequested {
            if let steps, evaluated >= steps { break }
            guard let batch = try stream.next() else { break }
            let points = try parseFeatures(batch.features, featureColumns: featureColumns)
            for hook in hooks { try hook.beforeStep(context) }
            let assignment = try modelFunction.nearest(points, state: state)
            total += assignment.loss
            count += 1
            evaluated += 1
            for hook in hooks { try hook.afterStep(context, loss: assignment.loss) }
        }
        for hook in hooks { try hook.end(context) }
        guard evaluated > 0 else { throw KMeansError.invalidInput("the evaluation input produced no batch") }
        let mean = total / count
        try summarySink.addScalar("loss", value: mean, step: state.globalStep, directory: .evaluation(name: name))
        try summarySink.addScalar(Self.SCORE, value: mean, step: state.globalStep, directory: .evaluation(name: name))
        return EvaluationResult(loss: mean, score: mean, globalStep: state.globalStep)
    }

    /// The sum of distances from each point of the first batch of `input` to its nearest centre (positive,
    /// unlike scikit-learn): TF's `score`, i.e. `evaluate(steps: 1).score`.
    public func score(input: InputFunction) throws -> Float {
        try evaluate(input: input, steps: 1).score
    }

    /// Predictions for every example (or batch) of `input` (TF's `predict`).
    ///
    /// - Parameters:
    ///   - input: the input function; called once per `predict`.
    ///   - predictKeys: keep only these outputs (`all_distances`, `cluster_index`); nil keeps both.
    ///   - hooks: callbacks around each predicted batch.
    ///   - checkpointPath: predict with this checkpoint instead of the latest.
    ///   - yieldSingleExamples: one result per example (default) or one per batch.
    public func predict(
        input: InputFunction, predictKeys: [String]? = nil, hooks: [any SessionRunHook] = [],
        checkpointPath: String? = nil, yieldSingleExamples: Bool = true
    ) throws -> [PredictionResult] {
        let known = [Self.ALL_DISTANCES, Self.CLUSTER_INDEX]
        if let predictKeys, let unknown = predictKeys.first(where: { !known.contains($0) }) {
            throw KMeansError.invalidArgument(argument: "predictKeys", reason: "unknown key '\(unknown)'; expected any of \(known)")
        }
        let wantDistances = predictKeys?.contains(Self.ALL_DISTANCES) ?? true
        let wantIndex = predictKeys?.contains(Self.CLUSTER_INDEX) ?? true
        let state = try trainedState(checkpointPath: checkpointPath)
        let context = RunContext(globalStep: state.globalStep)
        for hook in hooks { try hook.begin(context) }
        let stream = try input.makeStream()
        var results: [PredictionResult] = []
        while !context.stopRequested, let batch = try stream.next() {
            let points = try parseFeatures(batch.features, featureColumns: featureColumns)
            for hook in hooks { try hook.beforeStep(context) }
            let (assignment, distances) = try modelFunction.predictions(
                points, state: state, nearest: wantIndex || !hooks.isEmpty, allDistances: wantDistances)
            let indices = wantIndex ? assignment?.indices : nil
            let k = state.clusters.rows
            if yieldSingleExamples {
                for i in 0..<points.rows {
                    results.append(PredictionResult(
                        allDistances: distances.map { .float(Array($0.row(i)), shape: [k]) },
                        clusterIndex: indices.map { .int64(Int64($0[i])) }))
                }
            } else {
                results.append(PredictionResult(
                    allDistances: distances.map { .float($0.values, shape: [points.rows, k]) },
                    clusterIndex: indices.map { Tensor(shape: [points.rows], values: .int64($0.map { Int64($0) })) }))
            }
            for hook in hooks { try hook.afterStep(context, loss: assignment?.loss ?? 0) }
        }
        for hook in hooks { try hook.end(context) }
        return results
    }

    /// The index of the nearest centre for every example of `input` (TF's `predict_cluster_index`).
    public func predictClusterIndex(input: InputFunction) throws -> [Int64] {
        let state = try trainedState(checkpointPath: nil)
        var indices: [Int64] = []
        try forEachBatch(of: input) { points in
            indices += try modelFunction.nearestIndices(points, state: state).map { Int64($0) }
        }
        return indices
    }

    /// Distances from every example of `input` to every centre, n × k (TF's `transform`): Euclidean distances
    /// `√max(raw, 0)` (never NaN, where TF 2.15 gives NaN for slightly negative raw values), or `1 − cos`.
    public func transform(input: InputFunction) throws -> Matrix {
        let state = try trainedState(checkpointPath: nil)
        var rows = 0
        var values: [Float] = []
        try forEachBatch(of: input) { points in
            let distances = modelFunction.transformed(allDistances: try modelFunction.allDistances(points, state: state))
            rows += distances.rows
            values += distances.values
        }
        return Matrix(rows: rows, columns: state.clusters.rows, values: values)
    }

    private func forEachBatch(of input: InputFunction, _ body: (Matrix) throws -> Void) throws {
        let stream = try input.makeStream()
        while let batch = try stream.next() {
            try body(try parseFeatures(batch.features, featureColumns: featureColumns))
        }
    }

    /// The restored state, which must be initialized (TF fails on an empty `clusters` variable).
    func trainedState(checkpointPath: String?) throws -> KMeansState {
        guard let state = try restoreState(checkpointPath: checkpointPath) else { throw noTrainedModel() }
        guard state.initialized else {
            throw KMeansError.notInitialized("the checkpoint at global step \(state.globalStep) has \(state.clusters.rows) of k = \(params.effectiveNumClusters) centres; train first")
        }
        return state
    }
}
