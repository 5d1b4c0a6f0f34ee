import KMeansCore
import KMeansEstimator
import Synchronization

/// The workbench's seeded generator: core's SplitMix64, so the same seed gives the same run everywhere.
public typealias SeededGenerator = SplitMix64

/// The training layer's batch draws behind a lock (they cache the current epoch's order between steps).
final class ScheduledBatchesBox: Sendable {
    private let batches: Mutex<ScheduledBatches>

    init(_ schedule: BatchSchedule) { batches = Mutex(ScheduledBatches(schedule)) }

    func rows(ofBatch index: Int64) -> [Int]? { batches.withLock { $0.rows(ofBatch: index) } }
}

/// Core's `AssignmentEngine` behind a lock, so the value-type `StepEngine` can share one across its jobs.
final class AssignmentEngineBox: Sendable {
    private let engine = Mutex(AssignmentEngine())

    /// Runs `body` with exclusive use of the engine.
    func withEngine<Result: Sendable>(_ body: (inout AssignmentEngine) throws -> Result) throws -> Result {
        try engine.withLock { engine in try body(&engine) }
    }
}

/// The first half-step's result as the workbench keeps it: core's pending step plus which data rows were in the batch.
public struct PendingAssignment: Sendable {
    /// Core's pending step (state after the sync, the batch assignment, the assignment centres).
    public var step: PendingStep
    /// Row indices of the batch in the data (empty in full batch, where the batch is every row).
    public var batch: [Int]

    /// State after the mini-batch sync (unchanged in full batch).
    public var state: KMeansState { step.state }
    /// Nearest centre per batch row.
    public var labels: [Int32] {
        let indices = step.assignment.indices
        // Never `unsafeUninitializedCapacity: 0`: it writes into the shared empty-array storage.
        guard !indices.isEmpty else { return [] }
        return [Int32](unsafeUninitializedCapacity: indices.count) { out, count in
            indices.withUnsafeBufferPointer { source in
                for i in 0..<source.count { out[i] = Int32(truncatingIfNeeded: source[i]) }
            }
            count = indices.count
        }
    }
    /// Sum of distances to the nearest centre over the batch (the step's loss, TF's pre-update score).
    public var loss: Double { Double(step.assignment.loss) }
}

/// The workbench's view of one run: core's `ModelFunction` bound to the settings, the data, and the training
/// layer's batch schedule — the same batches, initialisation loop and steps as `kmeans train` with the same
/// settings, so a workbench run of N steps ends on the bits `kmeans train --steps N` writes.
public struct StepEngine: Sendable {
    /// The data as given, n × d.
    public let data: Matrix
    /// The data as the metric sees it (unit rows for cosine), n × d; used for display assignments.
    public let points: Matrix
    /// The run's settings.
    public let settings: WorkbenchSettings
    /// Which rows each step trains on (the whole data in full batch without a batch size).
    public let schedule: BatchSchedule
    /// The model function of the run.
    public let modelFunction: ModelFunction
    private let batches: ScheduledBatchesBox
    /// Core's full-batch assignment engine for this run: validates and (for cosine) normalises the data once, and
    /// keeps its buffers (and Hamerly's bounds where `auto` picks it) from step to step. Shared by the run's jobs,
    /// which take turns; any order of centres gives core's exact Lloyd assignment.
    private let assignmentEngine = AssignmentEngineBox()

    /// Prepares an engine for `data` under `settings`; `model` overrides the settings' model (a checkpoint's).
    public init(data: Matrix, settings: WorkbenchSettings) {
        self.settings = settings
        self.data = data
        points = settings.metric == .cosine ? data.l2NormalizedRows() : data
        let batchSize = settings.useMiniBatch ? max(1, settings.batchSize) : nil
        let schedule = (try? BatchSchedule(rows: data.rows, batchSize: batchSize,
                                           shuffleSeed: settings.useMiniBatch && settings.shuffle ? settings.seed : nil))
            ?? (try! BatchSchedule(rows: data.rows, batchSize: nil))
        self.schedule = schedule
        batches = ScheduledBatchesBox(schedule)
        modelFunction = (try? ModelFunction(params: Self.params(settings, columns: data.columns, chosen: nil)))
            ?? (try! ModelFunction(params: KMeansParams(numClusters: 1)))
    }

    /// Core's parameters for these settings; `chosen` are explicit initial centres ("I'll choose", checkpoints).
    public func params(chosen: Matrix? = nil) -> KMeansParams { Self.params(settings, columns: data.columns, chosen: chosen) }

    static func params(_ settings: WorkbenchSettings, columns: Int, chosen: Matrix?) -> KMeansParams {
        let initial: InitialClusters
        if let chosen { initial = .matrix(chosen) } else {
            switch settings.initialization {
            case let .drawn(method): initial = method
            case .placedByHand: initial = .matrix(Matrix(rows: settings.k, columns: columns))
            }
        }
        return KMeansParams(
            numClusters: settings.k, initialClusters: initial,
            distanceMetric: settings.metric,
            randomSeed: Int64(truncatingIfNeeded: settings.seed), useMiniBatch: settings.useMiniBatch,
            miniBatchStepsPerIteration: settings.miniBatchStepsPerIteration,
            kmeansPlusPlusNumRetries: settings.kmeansPlusPlusRetries,
            relativeTolerance: settings.relativeTolerance > 0 ? settings.relativeTolerance : nil,
            emptyClusterPolicy: settings.emptyClusterPolicy)
    }

    /// The model function (centres given explicitly when `chosen` is set).
    public func model(chosen: Matrix? = nil) throws -> ModelFunction {
        guard let chosen else { return modelFunction }
        return try ModelFunction(params: params(chosen: chosen))
    }

    // MARK: initialisation

    /// The initialised state: the training layer's initialisation loop (TF's init op on batches 0, 1, … of the
    /// schedule until k centres exist); `chosen` (data space) replaces the method for "I'll choose".
    public func initialState(chosenCenters chosen: Matrix? = nil) throws -> KMeansState {
        let model = try model(chosen: chosen)
        var index: Int64 = 0
        func next() -> Matrix? {
            defer { index += 1 }
            return batchMatrix(index)
        }
        guard let first = next() else { throw KMeansError.initializationFailed("the data has no rows") }
        return try assignmentEngine.withEngine { engine in
            try TrainingInitialization.run(model.initialState(), model: model, engine: &engine, first: first, next: next).state
        }
    }

    // MARK: the two half-steps

    /// The rows of batch number `step` (all rows in full batch).
    public func batch(forStep step: Int) -> [Int] {
        batches.rows(ofBatch: Int64(step)) ?? Array(0..<data.rows)
    }

    /// Whether a step trains on every row in file order (so the batch is `data` itself).
    private var wholeDataSteps: Bool { schedule.batchSize == nil }

    private func batchMatrix(_ index: Int64) -> Matrix? {
        if wholeDataSteps { return data }
        return batches.rows(ofBatch: index).map { data.gathering(rows: $0) }
    }

    /// First half-step: the mini-batch sync (M > 1) and the assignment of the batch to its nearest centres.
    public func assign(_ state: KMeansState) throws -> PendingAssignment {
        let model = modelFunction
        if wholeDataSteps {
            let step = try assignmentEngine.withEngine { engine in try model.beginStep(state, batch: data, engine: &engine) }
            return PendingAssignment(step: step, batch: [])
        }
        let rows = batch(forStep: Int(state.globalStep))
        let step = try assignmentEngine.withEngine { engine in
            try model.beginStep(state, batch: data.gathering(rows: rows), engine: &engine)
        }
        return PendingAssignment(step: step, batch: rows)
    }

    /// Second half-step: the centre update and `globalStep += 1`.
    public func update(_ pending: PendingAssignment) throws -> KMeansState {
        modelFunction.finishStep(pending.step).state
    }

    /// The centres assignment is made against (normalised on read for cosine mini-batch with M ≤ 1).
    public func assignmentCenters(_ state: KMeansState) -> Matrix {
        settings.metric == .cosine ? state.clusters.l2NormalizedRows() : state.clusters
    }

    /// The centres as drawn: `clusters`, or for mini-batch with M > 1 the working copy that moves every step.
    public func displayCenters(_ state: KMeansState) -> Matrix {
        if settings.useMiniBatch, settings.miniBatchStepsPerIteration > 1, let working = state.clustersUpdated, working.rows == state.clusters.rows {
            return working
        }
        return state.clusters
    }

    /// Nearest centre of every point (or of `rows`) and the summed distance, TF's formula (ties → lower index).
    /// Rows are handled in chunks of about 16 M multiply-adds (or `chunkRows`); `isCancelled` is asked before each
    /// chunk, and a cancelled pass returns nil.
    public static func nearest(points: Matrix, centers: Matrix, metric: DistanceMetric,
                               chunkRows: Int? = nil, isCancelled: () -> Bool) -> (labels: [Int32], loss: Double)? {
        let n = points.rows, k = centers.rows
        let chunkRows = chunkRows ?? max(65_536, 16_777_216 / max(1, points.columns * k))
        guard k > 0, n > 0, centers.columns == points.columns else { return ([Int32](repeating: 0, count: n), 0) }
        var labels = [Int32](repeating: 0, count: n)
        var loss = 0.0
        var start = 0
        while start < n {
            if isCancelled() { return nil }
            let end = min(n, start + max(1, chunkRows))
            let chunk = start == 0 && end == n ? points : points.rows(start..<end)
            let pass = DistanceKernels.lloydPass(points: chunk, centers: centers, accumulate: false)
            labels.withUnsafeMutableBufferPointer { out in
                pass.indices.withUnsafeBufferPointer { source in
                    for i in 0..<source.count { out[start + i] = source[i] }
                }
            }
            for distance in pass.distances { loss += Double(metric == .cosine ? 0.5 * distance : distance) }
            start = end
        }
        return (labels, loss)
    }

    /// Nearest centre of every point (or of `rows`) and the summed distance, TF's formula.
    public static func nearest(points: Matrix, rows: [Int]?, centers: Matrix, metric: DistanceMetric) -> (labels: [Int32], loss: Double) {
        let chosen = rows.map { points.gathering(rows: $0) } ?? points
        return nearest(points: chosen, centers: centers, metric: metric, isCancelled: { false }) ?? ([], 0)
    }

    /// Rows scaled to unit length (`x · rsqrt(max(Σx², 1e-12))`, so zero rows stay zero).
    public static func normalizedRows(_ m: Matrix) -> Matrix { m.l2NormalizedRows() }
}
