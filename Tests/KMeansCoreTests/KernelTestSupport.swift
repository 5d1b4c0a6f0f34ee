import KMeansCore

/// Kernel tests draw their data from core's seeded SplitMix64.
typealias KernelTestRandom = SplitMix64

extension SplitMix64 {
    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * Float(next() >> 40) / Float(1 << 24)
    }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

enum KernelTestData {
    /// Uniform points in [-scale, scale)^d.
    static func uniform(n: Int, d: Int, scale: Float, seed: UInt64) -> Matrix {
        var random = KernelTestRandom(seed: seed)
        return Matrix(rows: n, columns: d, values: (0..<(n * d)).map { _ in random.uniform(-scale, scale) })
    }

    /// Gaussian blobs: `blobs` centres in [-10, 10)^d, unit variance, points assigned round-robin.
    static func blobs(n: Int, d: Int, blobs: Int, seed: UInt64) -> Matrix {
        var random = KernelTestRandom(seed: seed)
        let means = (0..<(blobs * d)).map { _ in random.uniform(-10, 10) }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let b = random.below(blobs)
            for t in 0..<d { values[i * d + t] = means[b * d + t] + random.normal() }
        }
        return Matrix(rows: n, columns: d, values: values)
    }

    /// `k` distinct rows of `points` chosen by seed.
    static func distinctRows(of points: Matrix, k: Int, seed: UInt64) -> Matrix {
        var random = KernelTestRandom(seed: seed)
        var chosen: [Int] = []
        var seen = Set<Int>()
        while chosen.count < k {
            let r = random.below(points.rows)
            if seen.insert(r).inserted { chosen.append(r) }
        }
        return points.gathering(rows: chosen)
    }

    /// Exact (float64) squared distance between row `i` of `points` and row `j` of `centers`.
    static func exactDistance(_ points: Matrix, _ i: Int, _ centers: Matrix, _ j: Int) -> Double {
        var s = 0.0
        for t in 0..<points.columns {
            let diff = Double(points[i, t]) - Double(centers[j, t])
            s += diff * diff
        }
        return s
    }

    /// Scale of float32 rounding in distances for row `i`: ‖x‖² + max ‖c‖² (float64).
    static func roundingScale(_ points: Matrix, _ i: Int, _ centers: Matrix) -> Double {
        var xx = 0.0
        for t in 0..<points.columns { xx += Double(points[i, t]) * Double(points[i, t]) }
        var cc = 0.0
        for j in 0..<centers.rows {
            var s = 0.0
            for t in 0..<centers.columns { s += Double(centers[j, t]) * Double(centers[j, t]) }
            cc = max(cc, s)
        }
        return xx + cc + 1e-30
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
