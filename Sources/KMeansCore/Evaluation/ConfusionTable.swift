/// How two labellings of the same points agree: counts of points per (truth class, cluster) pair, and the
/// adjusted Rand index computed from them.
///
/// Labels are 0-based integers; a class or cluster with no points still gets its row or column.
public struct ConfusionTable: Sendable, Equatable {
    /// The number of truth classes (rows).
    public let truthClasses: Int
    /// The number of clusters (columns).
    public let clusters: Int
    /// Row-major counts: element (t, c) is `counts[t * clusters + c]`, the points of class t in cluster c.
    public private(set) var counts: [Int]

    /// Counts the pairs (`truth[i]`, `clusters[i]`). Both arrays must have the same length and labels in
    /// `0..<truthClasses` and `0..<clusterCount`; nil counts take the largest label + 1.
    public init(truth: [Int], clusters labels: [Int], truthClasses: Int? = nil, clusterCount: Int? = nil) {
        precondition(truth.count == labels.count, "truth has \(truth.count) labels, clusters \(labels.count)")
        let rows = truthClasses ?? ((truth.max() ?? -1) + 1)
        let columns = clusterCount ?? ((labels.max() ?? -1) + 1)
        self.truthClasses = rows
        self.clusters = columns
        var counts = [Int](repeating: 0, count: rows * columns)
        for (t, c) in zip(truth, labels) {
            precondition(t >= 0 && t < rows && c >= 0 && c < columns, "label (\(t), \(c)) outside \(rows) × \(columns)")
            counts[t * columns + c] += 1
        }
        self.counts = counts
    }

    /// The points of truth class `truth` in cluster `cluster`.
    public subscript(truth truth: Int, cluster cluster: Int) -> Int {
        counts[truth * clusters + cluster]
    }

    /// The number of points counted.
    public var total: Int { counts.reduce(0, +) }

    /// Points per truth class.
    public var truthTotals: [Int] {
        (0..<truthClasses).map { t in (0..<clusters).reduce(0) { $0 + counts[t * clusters + $1] } }
    }

    /// Points per cluster.
    public var clusterTotals: [Int] {
        (0..<clusters).map { c in (0..<truthClasses).reduce(0) { $0 + counts[$1 * clusters + c] } }
    }

    /// For each cluster, the truth class most of its points belong to (nil for an empty cluster; ties go to the
    /// lower class).
    public var majorityClass: [Int?] {
        (0..<clusters).map { c in
            var best: Int? = nil
            for t in 0..<truthClasses where counts[t * clusters + c] > 0 {
                if best == nil || counts[t * clusters + c] > counts[best! * clusters + c] { best = t }
            }
            return best
        }
    }

    /// The adjusted Rand index (Hubert and Arabie, 1985): 1 for identical partitions (up to renaming), about 0
    /// for independent ones, negative for less agreement than chance. When neither labelling can vary (both put
    /// every point together, or both put every point alone) it is 1, as scikit-learn's `adjusted_rand_score`.
    public var adjustedRandIndex: Double {
        func pairs(_ n: Int) -> Double { Double(n) * Double(n - 1) / 2 }
        let n = total
        let index = counts.reduce(0.0) { $0 + pairs($1) }
        let truthPairs = truthTotals.reduce(0.0) { $0 + pairs($1) }
        let clusterPairs = clusterTotals.reduce(0.0) { $0 + pairs($1) }
        let allPairs = pairs(n)
        guard allPairs > 0 else { return 1 }
        let expected = truthPairs * clusterPairs / allPairs
        let maximum = (truthPairs + clusterPairs) / 2
        if maximum == expected { return 1 }
        return (index - expected) / (maximum - expected)
    }
}
