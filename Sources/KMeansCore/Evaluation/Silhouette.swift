import CKMeansKernels

/// The mean silhouette of a clustering (Rousseeuw, 1987), and how it was computed.
public struct SilhouetteResult: Sendable, Equatable {
    /// The mean over the evaluated points of `(b − a) / max(a, b)`, in [−1, 1]: `a` is a point's mean distance to
    /// the other points of its cluster, `b` its mean distance to the points of the nearest other cluster; a point
    /// alone in its cluster counts 0.
    public var score: Double
    /// The points the mean was taken over (all of them, or the sample).
    public var evaluatedPoints: Int
    /// The number of points clustered.
    public var totalPoints: Int
    /// The seed of the sample when the points were sampled (more than ``Silhouette/exactLimit``), else nil.
    public var sampleSeed: UInt64?

    /// Whether the score is over a seeded sample rather than every point.
    public var isSampled: Bool { sampleSeed != nil }

    /// Creates a result.
    public init(score: Double, evaluatedPoints: Int, totalPoints: Int, sampleSeed: UInt64?) {
        self.score = score
        self.evaluatedPoints = evaluatedPoints
        self.totalPoints = totalPoints
        self.sampleSeed = sampleSeed
    }
}

/// Silhouette scores over the core's distance kernel, on all cores.
///
/// Distances are Euclidean for `.squaredEuclidean` clusterings (as scikit-learn's `silhouette_score` default)
/// and `1 − cos` for `.cosine`. Up to ``exactLimit`` points the score is exact over every point; above, it is
/// the exact silhouette of a seeded uniform sample of ``exactLimit`` points (scikit-learn's `sample_size`).
/// Results do not depend on the thread count.
public enum Silhouette {
    /// The most points scored exactly; larger data is sampled down to this many.
    public static let exactLimit = 10_000
    /// Rows per block of the pairwise distance pass (each block is one kernel call).
    static let blockRows = 64

    /// The mean silhouette of `labels` (one cluster index ≥ 0 per row of `points`), or nil when it is undefined:
    /// fewer than 2 clusters among the evaluated points, or every evaluated point in a cluster of its own. Also
    /// nil when `isCancelled` returns true (checked between blocks of 64 rows).
    public static func score(
        points: Matrix, labels: [Int], metric: DistanceMetric = .squaredEuclidean, sampleLimit: Int = exactLimit,
        seed: UInt64 = 0, threads: Int? = nil, isCancelled: (@Sendable () -> Bool)? = nil
    ) -> SilhouetteResult? {
        precondition(labels.count == points.rows, "\(labels.count) labels for \(points.rows) points")
        precondition(sampleLimit >= 2, "the sample needs at least 2 points")
        let n = points.rows
        let sampled = n > sampleLimit
        let chosen = sampled ? sampleIndices(count: n, choose: sampleLimit, seed: seed) : Array(0..<n)
        var subset = sampled ? points.gathering(rows: chosen) : points
        if metric == .cosine { subset = subset.l2NormalizedRows() }

        // Compact labels 0..<clusterCount over the evaluated points.
        var compact: [Int: Int32] = [:]
        var codes = [Int32](repeating: 0, count: chosen.count)
        for (position, index) in chosen.enumerated() {
            let label = labels[index]
            if let code = compact[label] {
                codes[position] = code
            } else {
                let code = Int32(compact.count)
                compact[label] = code
                codes[position] = code
            }
        }
        let clusterCount = compact.count
        guard clusterCount >= 2, clusterCount < chosen.count else { return nil }
        var sizes = [Int](repeating: 0, count: clusterCount)
        for code in codes { sizes[Int(code)] += 1 }

        let m = chosen.count
        var values = [Double](repeating: 0, count: m)
        let blockCount = (m + blockRows - 1) / blockRows
        let workers = min(blockCount, max(1, threads ?? DistanceKernels.defaultThreadCount))
        let halve = metric == .cosine
        var cancelled = false
        values.withUnsafeMutableBufferPointer { output in
            let out = SharedPointer(output.baseAddress)
            let stop = SharedPointer(UnsafeMutablePointer<Int64>.allocate(capacity: 2))
            stop.pointer!.initialize(repeating: 0, count: 2)
            defer { stop.pointer!.deallocate() }
            let data = subset
            let labelCodes = codes
            let clusterSizes = sizes
            let work: @Sendable (Int) -> Void = { block in
                var sums = [Double](repeating: 0, count: clusterCount)
                do {
                    if let isCancelled, isCancelled() { _ = kmk_claim_next(stop.pointer! + 1); return }
                    let lo = block * blockRows, hi = min(m, lo + blockRows)
                    let distances = DistanceKernels.allDistances(points: data.rows(lo..<hi), centers: data, threads: 1)
                    distances.values.withUnsafeBufferPointer { raw in
                        for i in lo..<hi {
                            for c in 0..<clusterCount { sums[c] = 0 }
                            let row = raw.baseAddress! + (i - lo) * m
                            for j in 0..<m where j != i {
                                let squared = max(0, row[j])
                                sums[Int(labelCodes[j])] += Double(halve ? squared / 2 : squared.squareRoot())
                            }
                            let own = Int(labelCodes[i])
                            guard clusterSizes[own] > 1 else { out.pointer![i] = 0; continue }
                            let a = sums[own] / Double(clusterSizes[own] - 1)
                            var b = Double.infinity
                            for c in 0..<clusterCount where c != own { b = min(b, sums[c] / Double(clusterSizes[c])) }
                            let scale = max(a, b)
                            out.pointer![i] = scale > 0 ? (b - a) / scale : 0
                        }
                    }
                }
            }
            Parallel.forEach(blockCount, threads: workers, work)
            cancelled = stop.pointer![1] != 0
        }
        if cancelled { return nil }
        let mean = values.reduce(0, +) / Double(m)
        return SilhouetteResult(score: mean, evaluatedPoints: m, totalPoints: n, sampleSeed: sampled ? seed : nil)
    }

    /// `choose` distinct indices of `0..<count`, uniformly by a seeded partial Fisher–Yates shuffle, sorted.
    public static func sampleIndices(count: Int, choose: Int, seed: UInt64) -> [Int] {
        precondition(choose <= count, "cannot choose \(choose) of \(count)")
        var generator = SplitMix64(seed: seed)
        var order = Array(0..<count)
        for i in 0..<choose {
            let j = i + Int(generator.next() % UInt64(count - i))
            order.swapAt(i, j)
        }
        return order[0..<choose].sorted()
    }
}
