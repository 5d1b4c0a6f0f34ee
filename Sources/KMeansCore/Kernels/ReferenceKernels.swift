// The pure-Swift reference path (sequential, no SIMD, no threads): the fast kernels are tested against it.

extension DistanceKernels {
    /// The pure-Swift reference of ``lloydPass(points:centers:accumulate:)``: sequential, no SIMD, no threads.
    public static func referenceLloydPass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
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

    /// The pure-Swift reference of ``allDistances(points:centers:)``.
    public static func referenceAllDistances(points: Matrix, centers: Matrix) -> Matrix {
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
