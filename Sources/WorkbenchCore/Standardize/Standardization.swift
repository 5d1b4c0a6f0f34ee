import KMeansCore

/// Z-scores per column: each value minus its column's mean, divided by the column's standard deviation
/// (population, over every row; a constant column keeps scale 1). The run clusters the standardised points; centres
/// go back to the original units with ``originalUnits(_:)``.
public struct Standardization: Sendable, Equatable {
    /// Column means, original units.
    public let means: [Double]
    /// Column standard deviations (1 for a constant column).
    public let scales: [Double]
    /// The data standardised, n × d (float32).
    public let points: Matrix

    /// Fits the means and scales to `data` and standardises it.
    public init(fitting data: Matrix) {
        let n = data.rows, d = data.columns
        var sums = [Double](repeating: 0, count: d)
        for i in 0..<n { for t in 0..<d { sums[t] += Double(data[i, t]) } }
        let means = sums.map { n > 0 ? $0 / Double(n) : 0 }
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for t in 0..<d {
                let centered = Double(data[i, t]) - means[t]
                squares[t] += centered * centered
            }
        }
        let scales = squares.map { n > 0 && $0 > 0 ? ($0 / Double(n)).squareRoot() : 1 }
        self.means = means
        self.scales = scales
        points = Standardization.apply(data, means: means, scales: scales)
    }

    /// `rows` (original units, e.g. centres placed on the plot or a checkpoint's) as z-scores.
    public func standardized(_ rows: Matrix) -> Matrix { Standardization.apply(rows, means: means, scales: scales) }

    /// `rows` in z-scores (e.g. the run's centres) back in the original units: mean + z × standard deviation.
    public func originalUnits(_ rows: Matrix) -> Matrix {
        guard rows.columns == means.count else { return rows }
        var values = rows.values
        for i in 0..<rows.rows {
            for t in 0..<rows.columns {
                values[i * rows.columns + t] = Float(means[t] + Double(values[i * rows.columns + t]) * scales[t])
            }
        }
        return Matrix(rows: rows.rows, columns: rows.columns, values: values)
    }

    fileprivate static func apply(_ rows: Matrix, means: [Double], scales: [Double]) -> Matrix {
        guard rows.columns == means.count else { return rows }
        var values = rows.values
        for i in 0..<rows.rows {
            for t in 0..<rows.columns {
                values[i * rows.columns + t] = Float((Double(values[i * rows.columns + t]) - means[t]) / scales[t])
            }
        }
        return Matrix(rows: rows.rows, columns: rows.columns, values: values)
    }
}

extension Standardization {
    /// The means and scales alone: what the transform needs, cheap to compare (no points).
    public struct Scaling: Sendable, Equatable {
        /// Column means, original units.
        public let means: [Double]
        /// Column standard deviations.
        public let scales: [Double]

        /// `rows` (original units) as z-scores, as ``Standardization/standardized(_:)`` computes them.
        public func standardized(_ rows: Matrix) -> Matrix { Standardization.apply(rows, means: means, scales: scales) }
    }

    /// The means and scales of this fit.
    public var scaling: Scaling { Scaling(means: means, scales: scales) }
}
