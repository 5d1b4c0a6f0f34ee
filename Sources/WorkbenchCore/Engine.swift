import KMeansCore
import Synchronization

/// The workbench's seeded generator: core's SplitMix64, so the same seed gives the same run everywhere.
public typealias SeededGenerator = SplitMix64

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

/// The workbench's view of one run: core's `ModelFunction` bound to the settings, the data, and the batch order.
///
/// Full batch: assign every point to its nearest centre, then move each centre to the mean of its points
/// (`S / (N + 1e-6)`, empty clusters per the policy; cosine works on unit vectors and renormalises).
/// Mini-batch: optional sync of the working copy every M steps, assign the batch against `clusters`, then move each
/// centre that got points by `(s − m·w) / (n + m)` (the documented rule). All arithmetic is core's.
public struct StepEngine: Sendable {
    /// The data as given, n × d.
    public let data: Matrix
    /// The data as the metric sees it (unit rows for cosine), n × d; used for display assignments.
    public let points: Matrix
    /// The run's settings.
    public let settings: WorkbenchSettings
    /// A fixed shuffled order of the rows; mini-batches are consecutive slices of it.
    public let batchOrder: [Int]
    /// Core's full-batch assignment engine for this run: validates and (for cosine) normalises the data once, and
    /// keeps its buffers (and Hamerly's bounds where `auto` picks it) from step to step. Shared by the run's jobs,
    /// which take turns; any order of centres gives core's exact Lloyd assignment.
    private let assignmentEngine = AssignmentEngineBox()

    /// Prepares an engine for `data` under `settings`.
    public init(data: Matrix, settings: WorkbenchSettings) {
        self.settings = settings
        self.data = data
        points = settings.metric == .cosine ? data.l2NormalizedRows() : data
        var generator = SeededGenerator(seed: settings.seed ^ 0xB47C_4E5D)
        batchOrder = settings.useMiniBatch ? Array(0..<data.rows).shuffled(using: &generator) : []
    }

    /// Core's parameters for these settings; `chosen` are explicit initial centres ("I'll choose", checkpoints).
    public func params(chosen: Matrix? = nil) -> KMeansParams {
        let initial: InitialClusters
        if let chosen { initial = .matrix(chosen) } else {
            switch settings.initialization {
            case let .drawn(method): initial = method
            case .placedByHand: initial = .matrix(Matrix(rows: settings.k, columns: data.columns))
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
    public func model(chosen: Matrix? = nil) throws -> ModelFunction { try ModelFunction(params: params(chosen: chosen)) }

    // MARK: initialisation

    /// The initialised state: TF's init op run on the data (full batch) or on successive batches (mini-batch)
    /// until k centres exist; `chosen` (data space) replaces the method for "I'll choose" and checkpoints.
    public func initialState(chosenCenters chosen: Matrix? = nil) throws -> KMeansState {
        let model = try model(chosen: chosen)
        var state = model.initialState()
        var step = 0
        while !state.initialized {
            let batch = settings.useMiniBatch && chosen == nil ? data.gathering(rows: self.batch(forStep: step)) : data
            state = try model.initialize(state, batch: batch)
            step += 1
            if step > 10_000 { throw KMeansError.initializationFailed("no k = \(settings.k) centres after \(step) batches") }
        }
        return state
    }

    // MARK: the two half-steps

    /// The rows of mini-batch number `step` (all rows in full batch).
    public func batch(forStep step: Int) -> [Int] {
        guard settings.useMiniBatch, !batchOrder.isEmpty else { return Array(0..<data.rows) }
        let size = min(settings.batchSize, data.rows)
        let start = (step * size) % batchOrder.count
        return (0..<size).map { batchOrder[(start + $0) % batchOrder.count] }
    }

    /// First half-step: the mini-batch sync (M > 1) and the assignment of the batch to its nearest centres.
    public func assign(_ state: KMeansState) throws -> PendingAssignment {
        guard settings.useMiniBatch else {
            let model = try model()
            let step = try assignmentEngine.withEngine { engine in try model.beginStep(state, batch: data, engine: &engine) }
            return PendingAssignment(step: step, batch: [])
        }
        let rows = batch(forStep: Int(state.globalStep))
        let step = try model().beginStep(state, batch: data.gathering(rows: rows))
        return PendingAssignment(step: step, batch: rows)
    }

    /// Second half-step: the centre update and `globalStep += 1`.
    public func update(_ pending: PendingAssignment) throws -> KMeansState {
        try model().finishStep(pending.step).state
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
    public static func nearest(points: Matrix, centers: Matrix, metric: WorkbenchSettings.Metric,
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
    public static func nearest(points: Matrix, rows: [Int]?, centers: Matrix, metric: WorkbenchSettings.Metric) -> (labels: [Int32], loss: Double) {
        if rows == nil, let all = nearest(points: points, centers: centers, metric: metric, isCancelled: { false }) { return all }
        let d = points.columns, k = centers.rows
        let count = rows?.count ?? points.rows
        var labels = [Int32](repeating: 0, count: count)
        var loss = 0.0
        guard k > 0 else { return (labels, 0) }
        var halfNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { s += centers[j, t] * centers[j, t] }
            halfNorms[j] = 0.5 * s
        }
        points.values.withUnsafeBufferPointer { x in
            centers.values.withUnsafeBufferPointer { c in
                labels.withUnsafeMutableBufferPointer { out in
                    for position in 0..<count {
                        let i = rows?[position] ?? position
                        let base = i * d
                        var xx: Float = 0
                        for t in 0..<d { xx += x[base + t] * x[base + t] }
                        var best = Float.infinity
                        var bestIndex = 0
                        for j in 0..<k {
                            var dot: Float = 0
                            for t in 0..<d { dot += x[base + t] * c[j * d + t] }
                            let part = halfNorms[j] - dot
                            if part < best { best = part; bestIndex = j }
                        }
                        out[position] = Int32(bestIndex)
                        let distance = 2 * (0.5 * xx + best)
                        loss += Double(metric == .cosine ? 0.5 * distance : distance)
                    }
                }
            }
        }
        return (labels, loss)
    }

    /// Rows scaled to unit length (`x · rsqrt(max(Σx², 1e-12))`, so zero rows stay zero).
    public static func normalizedRows(_ m: Matrix) -> Matrix { m.l2NormalizedRows() }
}
