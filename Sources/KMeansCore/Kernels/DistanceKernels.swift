// The hot loops of k-means behind one small internal interface.
// Owned by the kernels work (issue 5): the bodies below are the portable reference; the fast path dispatches to
// CKMeansKernels. The core's training steps call only these functions.

/// Result of one fused pass: nearest centre per point, TF's per-point distance, and per-cluster sums and counts.
struct LloydPass: Sendable {
    /// Index of the nearest centre per point (ties go to the lowest index, as TF's `NearestNeighbors`).
    var indices: [Int32]
    /// Distance to that centre, TF's formula: `2·(0.5‖x‖² + (0.5‖c‖² − ⟨x,c⟩))`.
    var distances: [Float]
    /// Per-cluster sum of assigned points, `k × d`, or empty when not requested.
    var sums: [Float]
    /// Per-cluster number of assigned points, or empty when not requested.
    var counts: [Float]
}

enum DistanceKernels {
    /// Assigns every row of `points` (n × d) to its nearest row of `centers` (k × d) under squared Euclidean
    /// distance, optionally accumulating per-cluster sums and counts (sequentially in row order).
    static func lloydPass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch")
        var indices = [Int32](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var sums = accumulate ? [Float](repeating: 0, count: k * d) : []
        var counts = accumulate ? [Float](repeating: 0, count: k) : []
        var halfNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { let c = centers.values[j * d + t]; s += c * c }
            halfNorms[j] = 0.5 * s
        }
        for i in 0..<n {
            var best: Float = .infinity
            var bestIndex = 0
            var xx: Float = 0
            for t in 0..<d { let x = points.values[i * d + t]; xx += x * x }
            for j in 0..<k {
                var dot: Float = 0
                for t in 0..<d { dot += points.values[i * d + t] * centers.values[j * d + t] }
                let part = halfNorms[j] - dot
                if part < best { best = part; bestIndex = j }
            }
            indices[i] = Int32(bestIndex)
            distances[i] = k == 0 ? .infinity : 2 * (0.5 * xx + best)
            if accumulate, k > 0 {
                counts[bestIndex] += 1
                for t in 0..<d { sums[bestIndex * d + t] += points.values[i * d + t] }
            }
        }
        return LloydPass(indices: indices, distances: distances, sums: sums, counts: counts)
    }

    /// Raw distances from every point to every centre, n × k, with TF's `all_distances` formula:
    /// `‖x‖² − 2⟨x,c⟩ + ‖c‖²` (may be slightly negative when a point equals a centre).
    static func allDistances(points: Matrix, centers: Matrix) -> Matrix {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch")
        var out = [Float](repeating: 0, count: n * k)
        var centerNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { let c = centers.values[j * d + t]; s += c * c }
            centerNorms[j] = s
        }
        for i in 0..<n {
            var xx: Float = 0
            for t in 0..<d { let x = points.values[i * d + t]; xx += x * x }
            for j in 0..<k {
                var dot: Float = 0
                for t in 0..<d { dot += points.values[i * d + t] * centers.values[j * d + t] }
                out[i * k + j] = xx - 2 * dot + centerNorms[j]
            }
        }
        return Matrix(rows: n, columns: k, values: out)
    }
}
