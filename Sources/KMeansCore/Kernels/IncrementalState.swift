import CKMeansKernels

/// Exact assignment for repeated full-batch passes that skips what has settled: Hamerly's bounds (an upper bound
/// on each point's distance to its centre, a lower bound on the distance to every other centre) decide, without
/// reading the point's row, that its centre cannot have changed; the bounds are stored relative to per-centre
/// drift totals (Drake's trick), so a settled point is not written either. Per-cluster sums and counts are kept in
/// float64 and updated only from the points that changed cluster.
///
/// The assignments equal the Lloyd kernel's at every pass (the same float32 argmin, ties to the lowest index): a
/// point is skipped only when its bounds, widened by a margin that covers the kernel's float32 rounding, rule out
/// every other centre, and points that fail the test get the Lloyd kernel's index (the same blocked float32 parts,
/// in C: `kmk_incremental_pass`). The sums are the float64 sums of the same points rounded once to float32, so
/// centres computed from them differ from TF's sequential float32 sums by a few ulps (docs/BENCHMARKS.md states
/// the measured difference); the loss is Σ_j (Σ‖x‖² − 2⟨S_j, c_j⟩ + n_j‖c_j‖²) in float64, equal to the per-point
/// sum only to rounding.
///
/// Pass the same `points` every time and call ``reset()`` when they change; a change of shape resets by itself.
public struct IncrementalState: Sendable {
    /// Index of the assigned centre per point, from the last pass.
    public private(set) var indices: [Int32] = []
    private var upper: [Float] = []
    private var lower: [Float] = []
    private var sums: [Double] = []
    private var squares: [Double] = []
    private var counts: [Double] = []
    private var drift = PassBounds.Drift(upper: [], lower: [])
    private var previousCenters: Matrix?
    private var shape = (n: 0, d: 0, k: 0)
    /// Points whose rows the last pass read (all of them on the first pass).
    public private(set) var lastPointsReadCount = 0
    /// Points the last pass searched against every centre (all of them on the first pass).
    public private(set) var lastFullSearchCount = 0

    /// Creates an empty state; the first pass searches every point.
    public init() {}

    /// Forgets the bounds and sums, so the next pass searches every point.
    public mutating func reset() {
        previousCenters = nil
    }

    /// One pass of `points` against `centers`: the per-cluster sums and counts (float64 rounded to float32) and
    /// the loss, without per-point outputs. `instructionSet` picks the kernel variant (tests compare them).
    public mutating func pass(points: Matrix, centers: Matrix, threads: Int? = nil,
                              instructionSet: KernelInstructionSet = .automatic) -> LloydPass {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        guard k > 0, n > 0 else {
            return DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
        }
        if shape != (n, d, k) || indices.count != n { shape = (n, d, k); previousCenters = nil }
        if previousCenters == nil {
            indices = [Int32](repeating: -1, count: n)
            upper = [Float](repeating: 0, count: n)
            lower = [Float](repeating: 0, count: n)
            sums = [Double](repeating: 0, count: k * d)
            squares = [Double](repeating: 0, count: k)
            counts = [Double](repeating: 0, count: k)
        }
        let bounds = PassBounds(previous: previousCenters, centers: centers, drift: drift)
        let packed = PackedCenters(centers)
        let ranges = DistanceKernels.partitions(of: n)
        let stride = k * d + 2 * k
        var deltas = [Double](repeating: 0, count: stride * ranges.count)
        var tallies = [Int](repeating: 0, count: 2 * ranges.count)
        points.values.withUnsafeBufferPointer { x in
            packed.withPointers { centerPointers in
                indices.withUnsafeMutableBufferPointer { idx in
                    upper.withUnsafeMutableBufferPointer { up in
                        lower.withUnsafeMutableBufferPointer { low in
                            deltas.withUnsafeMutableBufferPointer { delta in
                                tallies.withUnsafeMutableBufferPointer { tally in
                                    let shared = IncrementalPassPointers(
                                        points: x.baseAddress!, indices: idx.baseAddress!, upper: up.baseAddress!,
                                        lower: low.baseAddress!, deltas: delta.baseAddress!,
                                        tallies: tally.baseAddress!)
                                    Parallel.forEach(ranges.count, threads: threads) { p in
                                        let worker = IncrementalPartition(
                                            shared: shared, centers: centerPointers, bounds: bounds,
                                            d: d, k: k, deltaOffset: p * stride,
                                            instructionSet: instructionSet)
                                        let (read, searched) = worker.run(ranges[p])
                                        shared.tallies.pointer![2 * p] = read
                                        shared.tallies.pointer![2 * p + 1] = searched
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Partition deltas added in partition order: the sums depend only on the data, never on the threads.
        for p in ranges.indices {
            let base = p * stride
            for i in 0..<(k * d) { sums[i] += deltas[base + i] }
            for j in 0..<k {
                squares[j] += deltas[base + k * d + j]
                counts[j] += deltas[base + k * d + k + j]
            }
        }
        lastPointsReadCount = (0..<ranges.count).reduce(0) { $0 + tallies[2 * $1] }
        lastFullSearchCount = (0..<ranges.count).reduce(0) { $0 + tallies[2 * $1 + 1] }
        previousCenters = centers
        drift = bounds.drift
        var result = LloydPass(indices: [], distances: [], sums: sums.map { Float($0) },
                               counts: counts.map { Float($0) })
        result.loss = Float(loss(centers: centers))
        return result
    }

    /// Σ_j (Σ‖x‖² − 2⟨S_j, c_j⟩ + n_j‖c_j‖²) over the clusters, in float64 (never below 0).
    private func loss(centers: Matrix) -> Double {
        let k = centers.rows, d = centers.columns
        var total = 0.0
        for j in 0..<k {
            var dot = 0.0, norm = 0.0
            for t in 0..<d {
                let c = Double(centers.values[j * d + t])
                dot += sums[j * d + t] * c
                norm += c * c
            }
            total += max(0, squares[j] - 2 * dot + counts[j] * norm)
        }
        return total
    }
}

extension Matrix {
    /// The largest |self − other| over all values, each in ulps of its row's largest |value| in either matrix: how
    /// far ``KMeansAlgorithm/incremental``'s centres are from the TF path's (same shape required).
    public func largestUlpDifference(from other: Matrix) -> Float {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch")
        var worst: Float = 0
        for j in 0..<rows {
            var scale: Float = .leastNormalMagnitude
            for t in 0..<columns { scale = Swift.max(scale, abs(self[j, t]), abs(other[j, t])) }
            for t in 0..<columns { worst = Swift.max(worst, abs(self[j, t] - other[j, t]) / scale.ulp) }
        }
        return worst
    }
}

/// What one pass's bound tests need about the centres: how far each moved, the largest move of any other centre,
/// their running totals, half the gap to the nearest other centre, and the rounding margins.
struct PassBounds: Sendable {
    /// Per centre j, totals over the passes so far (each pass adds, rounding up): of j's shift (`upper`) and of the
    /// largest shift of the other centres (`lower`). A point's stored bounds are relative to its centre's totals.
    struct Drift: Sendable {
        var upper: [Float]
        var lower: [Float]
    }

    /// The drift totals including this pass's shifts (zero on the first pass).
    let drift: Drift
    /// Per centre j: a lower bound on half the distance to its nearest other centre.
    let halfGap: [Float]
    /// Per centre j: an upper bound on ‖c_j‖ (a point's norm is at most its centre's plus its upper bound).
    let centerNorm: [Float]
    /// max ‖c‖² over the centres.
    let maximumNormSquared: Float
    /// The kernel's float32 parts 0.5‖c‖² − ⟨x, c⟩ are within `partSlack · (‖x‖² + max‖c‖²)` of the exact value.
    let partSlack: Float
    /// Whether there is no previous pass (every point is searched).
    let firstPass: Bool

    /// `drift`: the totals after the previous pass (ignored on the first pass).
    init(previous: Matrix?, centers: Matrix, drift previousDrift: Drift) {
        let k = centers.rows, d = centers.columns
        firstPass = previous == nil
        // Per centre j: an upper bound on ‖c'_j − c_j‖, and one on the shift of every other centre.
        let shift: [Float], otherShift: [Float]
        if let previous {
            shift = (0..<k).map { j in
                var s = 0.0
                for t in 0..<d {
                    let diff = Double(centers.values[j * d + t]) - Double(previous.values[j * d + t])
                    s += diff * diff
                }
                return Float(s.squareRoot() * (1 + 1e-6)).nextUp
            }
            otherShift = HamerlyState.otherCentersShift(from: previous, to: centers)
        } else {
            shift = [Float](repeating: 0, count: k)
            otherShift = [Float](repeating: 0, count: k)
        }
        if previous != nil, previousDrift.upper.count == k, previousDrift.lower.count == k {
            // Rounded up, so a total's growth over any run of passes is at least the exact sum of the shifts.
            drift = Drift(upper: (0..<k).map { (previousDrift.upper[$0] + shift[$0]).nextUp },
                          lower: (0..<k).map { (previousDrift.lower[$0] + otherShift[$0]).nextUp })
        } else {
            drift = Drift(upper: [Float](repeating: 0, count: k), lower: [Float](repeating: 0, count: k))
        }
        halfGap = HamerlyState.halfGaps(centers)
        let normsSquared = (0..<k).map { j in
            var s = 0.0
            for t in 0..<d { s += Double(centers.values[j * d + t]) * Double(centers.values[j * d + t]) }
            return s
        }
        centerNorm = normsSquared.map { Float($0.squareRoot() * (1 + 1e-9)).nextUp }
        maximumNormSquared = Float((normsSquared.max() ?? 0) * (1 + 1e-6)).nextUp
        partSlack = 8 * Float(d + 2) * Float.ulpOfOne
    }
}

/// The state's arrays, shared by the partition workers (each touches only its own rows and its own delta block).
struct IncrementalPassPointers: Sendable {
    let points: SharedPointer<Float>
    let indices: SharedPointer<Int32>
    let upper: SharedPointer<Float>
    let lower: SharedPointer<Float>
    let deltas: SharedPointer<Double>
    let tallies: SharedPointer<Int>

    init(points: UnsafePointer<Float>, indices: UnsafeMutablePointer<Int32>, upper: UnsafeMutablePointer<Float>,
         lower: UnsafeMutablePointer<Float>, deltas: UnsafeMutablePointer<Double>, tallies: UnsafeMutablePointer<Int>) {
        self.points = SharedPointer(points)
        self.indices = SharedPointer(indices)
        self.upper = SharedPointer(upper)
        self.lower = SharedPointer(lower)
        self.deltas = SharedPointer(deltas)
        self.tallies = SharedPointer(tallies)
    }
}
