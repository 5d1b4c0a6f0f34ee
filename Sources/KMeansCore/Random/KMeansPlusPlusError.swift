/// Invalid input to ``KMeansPlusPlus/sampleIndices(points:count:seed:retriesPerSample:)``, mirroring the
/// `InvalidArgument` checks of TF's `KmeansPlusPlusInitialization` kernel.
public enum KMeansPlusPlusError: Error, Equatable, CustomStringConvertible {
    /// The point matrix has no rows (TF: "Expected points.rows() > 0.").
    case noPoints
    /// The number of centres to sample is zero or negative (TF: "Expected num_to_sample > 0.").
    case nonPositiveCount(Int)
    /// More centres were requested than there are points (TF: "Expected num_to_sample <= points.rows(). K vs N.").
    case countExceedsRows(count: Int, rows: Int)
    /// The caller's cancellation check returned true between two centres.
    case cancelled

    /// A one-line explanation naming the offending values.
    public var description: String {
        switch self {
        case .noPoints:
            return "k-means++ needs at least one point, but the point matrix has 0 rows (points.rows() == 0)"
        case .nonPositiveCount(let count):
            return "k-means++ must sample at least one centre, but count = \(count)"
        case .countExceedsRows(let count, let rows):
            return "k-means++ cannot sample \(count) distinct centres from \(rows) points (count > points.rows())"
        case .cancelled:
            return "k-means++ was cancelled before it chose every centre"
        }
    }
}
