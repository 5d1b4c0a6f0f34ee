import KMeansCore

/// A small, explicit, seeded random number generator (SplitMix64): the same seed gives the same run everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator from `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The training variables of one k-means run, named as in TensorFlow's checkpoint.
public struct EngineState: Sendable, Equatable {
    /// Centres used for assignment and inference (TF `clusters`), k × d.
    public var clusters: Matrix
    /// Mini-batch per-centre counts (TF `clusters_count` variable); empty in full batch.
    public var clusterCounts: [Int64]
    /// Mini-batch working copy for M > 1 (TF `clusters_updated`); equals `clusters` otherwise.
    public var clustersUpdated: Matrix
    /// Steps left until the next mini-batch sync (TF `update_in_steps`).
    public var updateInSteps: Int
    /// Completed training steps (TF `global_step`).
    public var globalStep: Int
}

/// The result of the first half-step: which centre each point of the batch goes to.
public struct PendingAssignment: Sendable, Equatable {
    /// State after the mini-batch sync (unchanged in full batch).
    public var state: EngineState
    /// Row indices of the batch in the data (all rows in full batch).
    public var batch: [Int]
    /// Nearest centre per batch row.
    public var labels: [Int32]
    /// Sum of distances to the nearest centre over the batch (the step's loss, TF's pre-update score).
    public var loss: Double
}

/// Pure k-means step functions in TensorFlow's semantics (§3–§6 of the spec), split into the two teaching half-steps.
///
/// Full batch: assign every point to its nearest centre, then move each centre to the mean of its points
/// (`S / (N + 1e-6)`, empty clusters per the policy; cosine works on unit vectors and renormalises).
/// Mini-batch: optional sync of the working copy every M steps, assign the batch against `clusters`, then move each
/// centre that got points by `(s − m·w) / (n + m)` (the documented rule).
public struct StepEngine: Sendable {
    /// The data as the metric sees it (unit rows for cosine), n × d.
    public let points: Matrix
    /// The run's settings.
    public let settings: WorkbenchSettings
    /// A fixed shuffled order of the rows; mini-batches are consecutive slices of it.
    public let batchOrder: [Int]

    /// Prepares an engine for `data` under `settings`.
    public init(data: Matrix, settings: WorkbenchSettings) {
        self.settings = settings
        points = settings.metric == .cosine ? StepEngine.normalizedRows(data) : data
        var generator = SeededGenerator(seed: settings.seed ^ 0xB47C_4E5D)
        batchOrder = settings.useMiniBatch ? Array(0..<data.rows).shuffled(using: &generator) : []
    }

    // MARK: initialisation

    /// The initial state: centres chosen by the settings' method (`manual` takes `chosenCentres`, in data space).
    public func initialState(chosenCentres: Matrix? = nil) -> EngineState {
        let k = settings.k, d = points.columns
        var generator = SeededGenerator(seed: settings.seed)
        var centres: Matrix
        switch settings.initialization {
        case .random:
            let picks = Array(Array(0..<points.rows).shuffled(using: &generator).prefix(k))
            centres = points.gathering(rows: picks)
        case .kmeansPlusPlus:
            centres = kmeansPlusPlus(k: k, generator: &generator)
        case .manual:
            centres = chosenCentres ?? Matrix(rows: k, columns: d)
        }
        if settings.metric == .cosine { centres = StepEngine.normalizedRows(centres) }
        let counts: [Int64] = settings.useMiniBatch ? [Int64](repeating: settings.miniBatchStepsPerIteration > 1 ? 0 : 1, count: k) : []
        return EngineState(clusters: centres, clusterCounts: counts, clustersUpdated: centres, updateInSteps: 0, globalStep: 0)
    }

    /// Greedy k-means++: the first centre uniformly, each next one drawn with probability ∝ D², keeping the best of
    /// `retries + 1` candidates (the one that lowers the total potential most).
    func kmeansPlusPlus(k: Int, generator: inout SeededGenerator) -> Matrix {
        let n = points.rows, d = points.columns
        guard n > 0, k > 0 else { return Matrix(rows: 0, columns: d) }
        var chosen = [Int.random(in: 0..<n, using: &generator)]
        var minDistance = (0..<n).map { Double(squaredDistance(row: $0, toRow: chosen[0])) }
        let candidatesPerCentre = max(1, settings.kmeansPlusPlusRetries + 1)
        while chosen.count < k {
            let total = minDistance.reduce(0, +)
            var bestCandidate = -1
            var bestPotential = Double.infinity
            for _ in 0..<candidatesPerCentre {
                var candidate: Int
                if total <= 0 {
                    candidate = Int.random(in: 0..<n, using: &generator)
                } else {
                    var target = Double.random(in: 0..<total, using: &generator)
                    candidate = n - 1
                    for i in 0..<n {
                        target -= minDistance[i]
                        if target < 0 { candidate = i; break }
                    }
                }
                var potential = 0.0
                for i in 0..<n { potential += min(minDistance[i], Double(squaredDistance(row: i, toRow: candidate))) }
                if potential < bestPotential { bestPotential = potential; bestCandidate = candidate }
            }
            chosen.append(bestCandidate)
            for i in 0..<n { minDistance[i] = min(minDistance[i], Double(squaredDistance(row: i, toRow: bestCandidate))) }
        }
        return points.gathering(rows: chosen)
    }

    private func squaredDistance(row a: Int, toRow b: Int) -> Float {
        let d = points.columns
        var s: Float = 0
        for t in 0..<d { let diff = points.values[a * d + t] - points.values[b * d + t]; s += diff * diff }
        return s
    }

    // MARK: the two half-steps

    /// The rows of mini-batch number `step` (all rows in full batch).
    public func batch(forStep step: Int) -> [Int] {
        guard settings.useMiniBatch, !batchOrder.isEmpty else { return Array(0..<points.rows) }
        let size = min(settings.batchSize, points.rows)
        let start = (step * size) % batchOrder.count
        return (0..<size).map { batchOrder[(start + $0) % batchOrder.count] }
    }

    /// First half-step: the mini-batch sync (M > 1) and the assignment of the batch to its nearest centres.
    public func assign(_ state: EngineState) -> PendingAssignment {
        var state = state
        let m = settings.miniBatchStepsPerIteration
        if settings.useMiniBatch && m > 1 {
            if state.updateInSteps <= 0 {
                state.updateInSteps = m - 1
                state.clusters = settings.metric == .cosine ? StepEngine.normalizedRows(state.clustersUpdated) : state.clustersUpdated
                state.clusterCounts = [Int64](repeating: 0, count: state.clusterCounts.count)
            } else {
                state.updateInSteps -= 1
            }
        }
        let rows = batch(forStep: state.globalStep)
        let centres = assignmentCentres(state)
        let result = StepEngine.nearest(points: points, rows: settings.useMiniBatch ? rows : nil, centres: centres, metric: settings.metric)
        return PendingAssignment(state: state, batch: rows, labels: result.labels, loss: result.loss)
    }

    /// Second half-step: the centre update and `globalStep += 1`.
    public func update(_ pending: PendingAssignment) -> EngineState {
        var state = pending.state
        let k = state.clusters.rows, d = points.columns
        if settings.useMiniBatch {
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int64](repeating: 0, count: k)
            for (position, row) in pending.batch.enumerated() {
                let j = Int(pending.labels[position])
                counts[j] += 1
                for t in 0..<d { sums[j * d + t] += Double(points.values[row * d + t]) }
            }
            var working = settings.miniBatchStepsPerIteration > 1 ? state.clustersUpdated : state.clusters
            for j in 0..<k where counts[j] > 0 {
                let rate = 1.0 / Float(state.clusterCounts[j] + counts[j])
                for t in 0..<d {
                    let w = working[j, t]
                    working[j, t] = w + (Float(sums[j * d + t]) - Float(counts[j]) * w) * rate
                }
                state.clusterCounts[j] += counts[j]
            }
            if settings.miniBatchStepsPerIteration > 1 { state.clustersUpdated = working } else {
                state.clusters = working
                state.clustersUpdated = working
            }
        } else {
            var sums = [Float](repeating: 0, count: k * d)
            var counts = [Float](repeating: 0, count: k)
            points.values.withUnsafeBufferPointer { values in
                for (i, label) in pending.labels.enumerated() {
                    let j = Int(label)
                    counts[j] += 1
                    for t in 0..<d { sums[j * d + t] += values[i * d + t] }
                }
            }
            var next = state.clusters
            for j in 0..<k {
                if counts[j] == 0 && settings.emptyClusterPolicy == .keepPrevious { continue }
                let divisor = counts[j] + Float(1e-6)
                for t in 0..<d { next[j, t] = sums[j * d + t] / divisor }
            }
            if settings.metric == .cosine { next = StepEngine.normalizedRows(next) }
            state.clusters = next
            state.clustersUpdated = next
        }
        state.globalStep += 1
        return state
    }

    /// The centres assignment is made against (normalised on read for cosine mini-batch with M ≤ 1).
    public func assignmentCentres(_ state: EngineState) -> Matrix {
        settings.metric == .cosine ? StepEngine.normalizedRows(state.clusters) : state.clusters
    }

    /// Nearest centre of every point (or of `rows`) and the summed distance, TF's formula.
    public static func nearest(points: Matrix, rows: [Int]?, centres: Matrix, metric: WorkbenchSettings.Metric) -> (labels: [Int32], loss: Double) {
        let d = points.columns, k = centres.rows
        let count = rows?.count ?? points.rows
        var labels = [Int32](repeating: 0, count: count)
        var loss = 0.0
        guard k > 0 else { return (labels, 0) }
        var halfNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { s += centres[j, t] * centres[j, t] }
            halfNorms[j] = 0.5 * s
        }
        points.values.withUnsafeBufferPointer { x in
            centres.values.withUnsafeBufferPointer { c in
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
    public static func normalizedRows(_ m: Matrix) -> Matrix {
        var out = m
        let d = m.columns
        out.withUnsafeMutableValues { v in
            for i in 0..<m.rows {
                var s: Float = 0
                for t in 0..<d { s += v[i * d + t] * v[i * d + t] }
                let scale = 1 / max(s, 1e-12).squareRoot()
                for t in 0..<d { v[i * d + t] *= scale }
            }
        }
        return out
    }
}
