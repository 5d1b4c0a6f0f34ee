/// The pure k-means step function bound to a set of parameters: what the estimator and the workbench drive.
///
/// Every method takes a state value and returns a new one; nothing is stored, printed or read from disk.
/// The arithmetic is float32 and follows TF's graph operation by operation (spec §3–§6).
public struct ModelFunction: Sendable {
    /// The algorithm options this function is bound to.
    public let params: KMeansParams
    /// Asked inside long work that is not a step (between k-means++ centres); when it returns true that work throws
    /// ``KMeansError/cancelled``. Nil: never asked.
    public var isCancelled: (@Sendable () -> Bool)?

    /// Binds the step function to `params` after validating them.
    public init(params: KMeansParams) throws {
        try params.validate()
        self.params = params
    }

    private var k: Int { params.effectiveNumClusters }

    // MARK: State

    /// The variables before initialization, as in TF's `model.ckpt-0`: no centres, counts at their initial value.
    public func initialState() -> KMeansState {
        let miniBatch = params.useMiniBatch
        let separate = params.hasSeparateWorkingCopy
        return KMeansState(
            clusters: Matrix(rows: 0, columns: 0),
            initialized: false,
            clusterCounts: miniBatch ? [Int64](repeating: separate ? 0 : 1, count: k) : nil,
            clustersUpdated: separate ? Matrix(rows: 0, columns: 0) : nil,
            updateInSteps: separate ? Int64(params.miniBatchStepsPerIteration) : nil,
            globalStep: 0
        )
    }

    /// Checks that `state` has the variables this mode needs (e.g. after a restore); throws naming the mismatch.
    public func validate(_ state: KMeansState) throws {
        if params.useMiniBatch {
            guard let counts = state.clusterCounts, counts.count == k else {
                throw KMeansError.incompatibleCheckpoint("mini-batch mode needs `Variable` (cluster counts) of length \(k), found \(state.clusterCounts.map { "\($0.count)" } ?? "none")")
            }
        }
        if params.hasSeparateWorkingCopy {
            guard state.clustersUpdated != nil, state.updateInSteps != nil else {
                throw KMeansError.incompatibleCheckpoint("mini-batch mode with M > 1 needs `clusters_updated` and `update_in_steps`")
            }
        }
        if state.initialized, state.clusters.rows != k {
            throw KMeansError.incompatibleCheckpoint("`clusters` has \(state.clusters.rows) rows but the model has k = \(k)")
        }
        if state.clusters.rows > k {
            throw KMeansError.incompatibleCheckpoint("`clusters` has \(state.clusters.rows) rows, more than k = \(k)")
        }
    }

    // MARK: Initialization

    /// One run of TF's init op on `batch` (spec §2.1): appends 0…remaining centres chosen from the batch (or the
    /// explicit matrix) and sets `initialized` once k centres exist. A no-op when already initialized.
    public func initialize(_ state: KMeansState, batch: Matrix) throws -> KMeansState {
        try initialize(state, batch: batch, preparedPoints: nil)
    }

    /// `preparedPoints`: the batch already validated (and normalised for cosine); nil: validate here.
    private func initialize(_ state: KMeansState, batch: Matrix, preparedPoints: Matrix?) throws -> KMeansState {
        if state.initialized { return state }
        let numSelected = state.clusters.rows
        let remaining = k - numSelected
        guard remaining > 0 else {
            throw KMeansError.initializationFailed("\(numSelected) centres chosen for k = \(k) but the model is not marked initialized")
        }
        if params.initialClusters.readsBatch, preparedPoints == nil {
            try checkBatch(batch, expectedColumns: numSelected > 0 ? state.clusters.columns : nil)
        }
        var chosen: Matrix
        switch params.initialClusters {
        case .matrix(let centers):
            chosen = centers
        case .random:
            chosen = try InitialSampling.random(batch: batch, remaining: remaining, seed: params.randomSeed)
        case .kmeansPlusPlus:
            guard batch.rows >= remaining else {
                throw KMeansError.initializationFailed("kmeans++ needs a first batch of at least k = \(remaining) points, got \(batch.rows)")
            }
            let points = preparedPoints ?? (params.distanceMetric == .cosine ? batch.l2NormalizedRows() : batch)
            chosen = try InitialSampling.kmeansPlusPlus(
                points: points, count: remaining, seed: params.randomSeed,
                retries: params.effectiveRetries(numToSample: remaining), isCancelled: isCancelled)
        case .callable(let choose):
            chosen = try choose(batch, remaining)
            guard chosen.rows <= remaining else {
                throw KMeansError.initializationFailed("the initialClusters callable returned \(chosen.rows) rows but only \(remaining) were requested")
            }
            guard chosen.rows == 0 || chosen.columns == batch.columns else {
                throw KMeansError.initializationFailed("the initialClusters callable returned \(chosen.columns)-column rows for a \(batch.columns)-column batch")
            }
            if let bad = chosen.firstNonFiniteIndex() {
                throw KMeansError.initializationFailed("the initialClusters callable returned \(chosen.values[bad]) at row \(bad / chosen.columns), column \(bad % chosen.columns); it must return finite values")
            }
        }
        if params.distanceMetric == .cosine { chosen = chosen.l2NormalizedRows() }
        var next = state
        let all = state.clusters.appending(rows: chosen)
        next.clusters = all
        if params.hasSeparateWorkingCopy { next.clustersUpdated = all }
        if all.rows == k { next.initialized = true }
        return next
    }

    /// ``initialize(_:batch:)`` for a full-batch training loop that keeps `engine`: the batch is validated (and,
    /// for cosine, normalised) once, and the training step on the same batch reuses that work.
    public func initialize(_ state: KMeansState, batch: Matrix, engine: inout AssignmentEngine) throws -> KMeansState {
        if state.initialized || params.useMiniBatch || !params.initialClusters.readsBatch {
            return try initialize(state, batch: batch)
        }
        try checkShape(batch, expectedColumns: state.clusters.rows > 0 ? state.clusters.columns : nil)
        let points = try engine.preparedPoints(
            for: batch, normalize: params.distanceMetric == .cosine, validate: checkFinite)
        return try initialize(state, batch: batch, preparedPoints: points)
    }

    private func checkBatch(_ batch: Matrix, expectedColumns: Int?) throws {
        try checkShape(batch, expectedColumns: expectedColumns)
        try checkFinite(batch)
    }

    private func checkShape(_ batch: Matrix, expectedColumns: Int?) throws {
        guard batch.rows > 0 else { throw KMeansError.invalidInput("empty batch (0 rows)") }
        guard batch.columns > 0 else { throw KMeansError.invalidInput("batch has 0 columns") }
        if let expected = expectedColumns, expected != batch.columns {
            throw KMeansError.invalidInput("batch has \(batch.columns) columns but the centres have \(expected)")
        }
    }

    private func checkFinite(_ batch: Matrix) throws {
        if let bad = batch.firstNonFiniteIndex() {
            throw KMeansError.invalidInput("batch row \(bad / batch.columns), column \(bad % batch.columns) is \(batch.values[bad]), not a finite number")
        }
    }

    // MARK: Training

    /// The first half of a training step (spec §4, §5): for mini-batch with M > 1 the sync of the working copy
    /// into `clusters`, then the assignment of `batch` against the pre-sync centres.
    public func beginStep(_ state: KMeansState, batch: Matrix) throws -> PendingStep {
        try requireInitialized(state)
        try checkBatch(batch, expectedColumns: state.clusters.columns)
        let cosine = params.distanceMetric == .cosine
        let points = cosine ? batch.l2NormalizedRows() : batch
        let centers = inferenceCenters(state)
        var next = state
        if params.hasSeparateWorkingCopy {
            let remaining = state.updateInSteps ?? 0
            if remaining <= 0 {
                next.updateInSteps = Int64(params.miniBatchStepsPerIteration - 1)
                let working = state.clustersUpdated ?? state.clusters
                next.clusters = cosine ? working.l2NormalizedRows() : working
                next.clusterCounts = [Int64](repeating: 0, count: k)
            } else {
                next.updateInSteps = remaining - 1
            }
        }
        let pass = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true)
        let assignment = makeAssignment(pass)
        return PendingStep(
            state: next, assignment: assignment, assignmentCenters: centers, points: points,
            sums: pass.sums, counts: pass.counts)
    }

    /// ``beginStep(_:batch:)`` for a training loop that keeps `engine` across steps. In full-batch mode the
    /// assignment runs on `engine` (its `algorithm`: Lloyd, or Hamerly's bounds carried between steps over the same
    /// data; the result is the same), and a batch equal to the previous one is neither validated nor normalised
    /// again. Mini-batch steps ignore the engine.
    public func beginStep(_ state: KMeansState, batch: Matrix, engine: inout AssignmentEngine) throws -> PendingStep {
        if params.useMiniBatch { return try beginStep(state, batch: batch) }
        let (points, centers) = try preparedFullBatchStep(state, batch: batch, engine: &engine)
        let pass = engine.pass(points: points, centers: centers, accumulate: true)
        return PendingStep(
            state: state, assignment: makeAssignment(pass), assignmentCenters: centers, points: points,
            sums: pass.sums, counts: pass.counts)
    }

    /// The points and centres of a full-batch step on `engine`: checks the state and the batch's shape, and
    /// validates (and, for cosine, normalises) the batch unless the engine already did for an equal batch.
    private func preparedFullBatchStep(
        _ state: KMeansState, batch: Matrix, engine: inout AssignmentEngine
    ) throws -> (points: Matrix, centers: Matrix) {
        try requireInitialized(state)
        try checkShape(batch, expectedColumns: state.clusters.columns)
        let points = try engine.preparedPoints(
            for: batch, normalize: params.distanceMetric == .cosine, validate: checkFinite)
        return (points, inferenceCenters(state))
    }

    /// One whole training step on `engine`: `finishStep(beginStep(state, batch, engine))`.
    public func trainStep(_ state: KMeansState, batch: Matrix, engine: inout AssignmentEngine) throws -> StepResult {
        finishStep(try beginStep(state, batch: batch, engine: &engine))
    }

    /// ``trainStep(_:batch:engine:)`` without the per-point assignment: the same next state and loss (bit for bit),
    /// but no `n`-long index and distance arrays are handed out, so a full-batch loop keeps only the engine's
    /// buffers (8 bytes per point) besides the data. Mini-batch steps run ``trainStep(_:batch:)``.
    public func trainStepSummary(_ state: KMeansState, batch: Matrix, engine: inout AssignmentEngine) throws -> StepSummary {
        if params.useMiniBatch {
            let result = try trainStep(state, batch: batch)
            return StepSummary(state: result.state, loss: result.loss)
        }
        let (points, centers) = try preparedFullBatchStep(state, batch: batch, engine: &engine)
        let pass = engine.lossPass(points: points, centers: centers, accumulate: true)
        var distances = pass.distances
        if distances.count != points.rows, needsDistancesForUpdate(counts: pass.counts) {
            // An empty cluster takes the farthest point: only then are the per-point distances needed.
            distances = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false,
                                                  threads: engine.threads).distances
        }
        var next = state
        next.clusters = fullBatchCenters(sums: pass.sums, counts: pass.counts, distances: distances, points: points)
        next.globalStep += 1
        let kernelLoss = pass.loss ?? DistanceKernels.lossSum(of: pass.distances)
        // Halving is exact, so halving the sum equals summing the halves (TF's order for cosine).
        return StepSummary(state: next, loss: params.distanceMetric == .cosine ? kernelLoss * 0.5 : kernelLoss)
    }

    private func needsDistancesForUpdate(counts: [Float]) -> Bool {
        params.emptyClusterPolicy == .farthestPoint && counts.contains(0)
    }

    /// The second half of a training step: the centre update (Lloyd or mini-batch rule) and `globalStep += 1`.
    public func finishStep(_ pending: PendingStep) -> StepResult {
        var next = pending.state
        if params.useMiniBatch {
            applyMiniBatchUpdate(&next, pending: pending)
        } else {
            next.clusters = fullBatchCenters(pending)
        }
        next.globalStep += 1
        return StepResult(state: next, assignment: pending.assignment)
    }

    /// One whole training step: `finishStep(beginStep(state, batch))`.
    public func trainStep(_ state: KMeansState, batch: Matrix) throws -> StepResult {
        finishStep(try beginStep(state, batch: batch))
    }

    private func fullBatchCenters(_ pending: PendingStep) -> Matrix {
        fullBatchCenters(sums: pending.sums, counts: pending.counts, distances: pending.assignment.distances,
                         points: pending.points)
    }

    /// TF's update `sums / (counts + 1e-6)`; empty clusters per `emptyClusterPolicy` (`distances` ranks the points
    /// farthest from their centre; any positive scaling of them gives the same order).
    func fullBatchCenters(sums: [Float], counts: [Float], distances: [Float], points: Matrix) -> Matrix {
        let d = points.columns
        var values = [Float](repeating: 0, count: k * d)
        var empty: [Int] = []
        for j in 0..<k {
            let count = counts[j]
            if count == 0 { empty.append(j) }
            let denominator = count + Float(1e-6)
            for t in 0..<d { values[j * d + t] = sums[j * d + t] / denominator }
        }
        var centers = Matrix(rows: k, columns: d, values: values)
        if params.emptyClusterPolicy == .farthestPoint, !empty.isEmpty {
            // Points farthest from their own centre first; ties to the lower index.
            for (j, i) in zip(empty, FarthestPoints.indices(empty.count, of: distances)) {
                for t in 0..<d { centers[j, t] = points[i, t] }
            }
        }
        if params.keepsClustersNormalized { centers = centers.l2NormalizedRows() }
        return centers
    }

    private func applyMiniBatchUpdate(_ state: inout KMeansState, pending: PendingStep) {
        let separate = params.hasSeparateWorkingCopy
        var working = separate ? (state.clustersUpdated ?? state.clusters) : state.clusters
        var counts = state.clusterCounts ?? [Int64](repeating: 0, count: k)
        let d = working.columns
        for j in 0..<k {
            let assigned = Int64(pending.counts[j])
            guard assigned > 0 else { continue }
            let total: Int64 = switch params.miniBatchLearningRate {
            case .documented: counts[j] + assigned
            case .tf215: counts[j] + 2 * assigned
            }
            let rate = 1 / Float(total)
            let m = Float(assigned)
            for t in 0..<d {
                let x = working[j, t]
                let update = (pending.sums[j * d + t] - m * x) * rate
                working[j, t] = x + update
            }
            counts[j] += assigned
        }
        state.clusterCounts = counts
        if separate { state.clustersUpdated = working } else { state.clusters = working }
    }

    // MARK: Inference

    /// The centres distances are measured against: `clusters`, l2-normalised at use for cosine mini-batch M ≤ 1.
    public func inferenceCenters(_ state: KMeansState) -> Matrix {
        if params.distanceMetric == .cosine && !params.keepsClustersNormalized {
            return state.clusters.l2NormalizedRows()
        }
        return state.clusters
    }

    /// Nearest centre, distance and loss for every row of `batch` (TF's `NearestNeighbors` with k = 1).
    public func nearest(_ batch: Matrix, state: KMeansState) throws -> Assignment {
        try requireInitialized(state)
        try checkShape(batch, expectedColumns: state.clusters.columns)
        return makeAssignment(try inferencePass(batch, state: state, computeDistances: true).pass)
    }

    /// The nearest centre of every row of `batch`, and nothing else (what `predict_cluster_index` needs): the same
    /// indices as ``nearest(_:state:)``, without per-point distances, the loss, or a copy into `[Int]`.
    public func nearestIndices(_ batch: Matrix, state: KMeansState) throws -> [Int32] {
        try requireInitialized(state)
        try checkShape(batch, expectedColumns: state.clusters.columns)
        return try inferencePass(batch, state: state, computeDistances: false).pass.indices
    }

    /// Validates the values of `batch` (shape already checked) and runs the nearest-centre pass for inference: the
    /// pruned search where it pays (same indices and distances as the plain pass, bit for bit), the plain pass
    /// otherwise. Squared Euclidean checks finiteness inside that pass, per chunk while the rows are in cache; a
    /// non-finite value throws the same error as before the pass (row and column of the first one in row-major
    /// order). Returns the pass and the points it ran on (normalised for cosine).
    private func inferencePass(
        _ batch: Matrix, state: KMeansState, computeDistances: Bool
    ) throws -> (pass: LloydPass, points: Matrix) {
        let centers = inferenceCenters(state)
        if params.distanceMetric == .squaredEuclidean, batch.rows > 0, centers.rows > 0 {
            if let pass = DistanceKernels.checkedNearest(points: batch, centers: centers,
                                                          computeDistances: computeDistances) {
                return (pass, batch)
            }
        }
        try checkFinite(batch)
        let points = params.distanceMetric == .cosine ? batch.l2NormalizedRows() : batch
        if DistanceKernels.prunesNearest(dimensions: points.columns, centers: centers.rows) {
            return (DistanceKernels.prunedNearest(points: points, centers: centers,
                                                  computeDistances: computeDistances).pass, points)
        }
        return (DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: nil,
                                          computeDistances: computeDistances), points)
    }

    /// Raw distances from every row of `batch` to every centre, n × k (TF's `all_distances`): squared Euclidean by
    /// `‖x‖² − 2⟨x,c⟩ + ‖c‖²` (may be slightly negative), or `1 − cos`.
    public func allDistances(_ batch: Matrix, state: KMeansState) throws -> Matrix {
        try requireInitialized(state)
        try checkBatch(batch, expectedColumns: state.clusters.columns)
        let points = params.distanceMetric == .cosine ? batch.l2NormalizedRows() : batch
        return allDistances(preparedPoints: points, state: state)
    }

    /// What `predict` needs for `batch`: the nearest-centre assignment (as ``nearest(_:state:)``) and/or the raw
    /// distances (as ``allDistances(_:state:)``), validating and (for cosine) normalising the batch once.
    public func predictions(
        _ batch: Matrix, state: KMeansState, nearest wantNearest: Bool, allDistances wantDistances: Bool
    ) throws -> (nearest: Assignment?, allDistances: Matrix?) {
        try requireInitialized(state)
        guard wantNearest else {
            guard wantDistances else {
                // Nothing to compute, but the batch is still checked.
                try checkBatch(batch, expectedColumns: state.clusters.columns)
                return (nil, nil)
            }
            return (nil, try allDistances(batch, state: state))
        }
        try checkShape(batch, expectedColumns: state.clusters.columns)
        let (pass, points) = try inferencePass(batch, state: state, computeDistances: true)
        return (makeAssignment(pass), wantDistances ? allDistances(preparedPoints: points, state: state) : nil)
    }

    /// TF's `transform` from raw `all_distances`: Euclidean distances `√max(raw, 0)` (never NaN, where TF 2.15 gives
    /// NaN for slightly negative raw values), or `1 − cos` unchanged.
    public func transformed(allDistances raw: Matrix) -> Matrix {
        guard params.distanceMetric == .squaredEuclidean else { return raw }
        var distances = raw
        distances.withUnsafeMutableValues { buffer in
            for i in buffer.indices { buffer[i] = max(buffer[i], 0).squareRoot() }
        }
        return distances
    }

    private func allDistances(preparedPoints points: Matrix, state: KMeansState) -> Matrix {
        switch params.distanceMetric {
        case .squaredEuclidean:
            return DistanceKernels.allDistances(points: points, centers: state.clusters)
        case .cosine:
            var distances = DistanceKernels.allDistances(points: points, centers: inferenceCenters(state))
            distances.withUnsafeMutableValues { buffer in
                for i in buffer.indices { buffer[i] *= 0.5 }
            }
            return distances
        }
    }

    private func makeAssignment(_ pass: LloydPass) -> Assignment {
        var distances = pass.distances
        if params.distanceMetric == .cosine {
            for i in distances.indices { distances[i] *= 0.5 }
        }
        return Assignment(indices: pass.indices.map { Int($0) }, distances: distances, loss: loss(of: pass.distances))
    }

    /// TF's loss: the float32 sum of the per-point distances (halved first for cosine) in
    /// ``DistanceKernels/lossSum(of:)``'s order — sequential below ``DistanceKernels/minimumPointsToSplit`` points.
    private func loss(of kernelDistances: [Float]) -> Float {
        let sum = DistanceKernels.lossSum(of: kernelDistances)
        // Halving is exact, so halving the sum equals summing the halves.
        return params.distanceMetric == .cosine ? sum * 0.5 : sum
    }

    func requireInitialized(_ state: KMeansState) throws {
        guard state.initialized, state.clusters.rows == k else {
            throw KMeansError.notInitialized("\(state.clusters.rows) of k = \(k) centres chosen")
        }
    }
}
