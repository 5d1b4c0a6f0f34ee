import KMeansCore
import KMeansData

/// Ground truth (`g`): colouring the points by the data's truth column, and how the clusters on screen agree with it.
extension Session {
    /// Turns colouring by truth on or off; says so when the data has no truth column.
    public mutating func toggleTruthColors() {
        guard dataSet.truth != nil else { view.colorByTruth = false; status = .noTruth; return }
        view.colorByTruth.toggle()
    }

    /// The truth the points are coloured by, when colouring by truth is on and the data has one for every row.
    var shownTruth: TruthLabels? {
        guard view.colorByTruth, let truth = dataSet.truth, truth.labels.count == dataSet.points.rows else { return nil }
        return truth
    }

    /// How many colours the labels of ``displayLabels`` use: the truth's classes while colouring by truth, else k.
    public var displayColorCount: Int { shownTruth?.names.count ?? settings.k }

    /// The agreement of the clusters of the frame on screen with the truth column, or nil without a truth column
    /// or before the first assignment.
    public var agreement: Agreement? { agreement(cache: nil) }

    /// ``agreement``, with a trimmed frame's recomputed clusters kept in `cache` (the renderer's).
    func agreement(cache: RasterCache?) -> Agreement? {
        guard let truth = dataSet.truth, truth.labels.count == dataSet.points.rows else { return nil }
        let clusters = clusterLabels(cache: cache)
        guard clusters.count == truth.labels.count else { return nil }
        let k = settings.k
        guard let cache else { return Agreement(truth: truth, clusters: clusters, k: k) }
        return cache.agreement(for: RasterCache.AgreementKey(labels: clusters, truth: truth, k: k)) {
            Agreement(truth: truth, clusters: clusters, k: k)
        }
    }
}

/// How a clustering agrees with a truth column: the confusion table (truth classes × clusters) and its adjusted
/// Rand index.
public struct Agreement: Sendable, Equatable {
    /// The truth column's name.
    public var column: String
    /// The truth classes' names (the table's rows).
    public var classNames: [String]
    /// Points per (class, cluster); clusters are `0..<k`.
    public var table: ConfusionTable

    /// The adjusted Rand index of the clusters against the truth.
    public var adjustedRandIndex: Double { table.adjustedRandIndex }

    /// The agreement of `clusters` (one per row, in `0..<k`; others are left out) with `truth`.
    public init(truth: TruthLabels, clusters: [Int32], k: Int) {
        var truthLabels: [Int] = [], clusterLabels: [Int] = []
        truthLabels.reserveCapacity(clusters.count)
        clusterLabels.reserveCapacity(clusters.count)
        for (t, c) in zip(truth.labels, clusters) where c >= 0 && Int(c) < k && t >= 0 && t < truth.names.count {
            truthLabels.append(t)
            clusterLabels.append(Int(c))
        }
        column = truth.column
        classNames = truth.names
        table = ConfusionTable(truth: truthLabels, clusters: clusterLabels, truthClasses: truth.names.count, clusterCount: k)
    }
}
