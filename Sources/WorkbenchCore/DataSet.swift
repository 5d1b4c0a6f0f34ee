import Foundation
import KMeansCore
import KMeansData

/// A named data set the workbench clusters: float32 rows plus column names.
public struct DataSet: Sendable {
    /// Short name shown in the header (sanitised before display).
    public var name: String
    /// The points, n × d.
    public var points: Matrix
    /// One name per column (sanitised before display).
    public var columnNames: [String]
    /// Where the data comes from, one line.
    public var source: String
    /// A row id column left out of the clustering (its name and one id per row), kept for exported results.
    public var rowIDs: (column: String, values: [Int64])?
    /// A truth column left out of the clustering (its name, class names and one class per row), for colouring by
    /// truth and agreement with the clusters.
    public var truth: TruthLabels?
    /// What loading left out or chose (text and row id columns, the truth), one line; shown when the data opens.
    public var note: String = ""

    /// Creates a data set; missing column names become `x0`, `x1`, ….
    public init(name: String, points: Matrix, columnNames: [String] = [], source: String = "") {
        self.name = name
        self.points = points
        self.columnNames = (0..<points.columns).map { $0 < columnNames.count ? columnNames[$0] : "x\($0)" }
        self.source = source
    }

    /// The built-in samples, in the order the data picker lists them.
    public static let builtIn: [BuiltIn] = BuiltIn.allCases

    /// The built-in sample data sets.
    public enum BuiltIn: String, Sendable, CaseIterable {
        /// The seed document's 100 uniform points in [0, 1000)².
        case uniform100 = "uniform-100"
        /// Seeded Gaussian blobs (4 blobs, 400 points).
        case blobs
        /// Old Faithful eruptions (272 × 2).
        case oldFaithful = "old-faithful"
        /// Fisher's Iris (150 × 4).
        case iris

        /// The data.
        public var dataSet: DataSet {
            switch self {
            case .uniform100:
                return DataSet(name: rawValue, points: Matrix(SampleData.uniform100.map { $0.map { Float($0) } }),
                               columnNames: ["x", "y"], source: "np.random.seed(0); uniform(0, 1000, [100, 2])")
            case .blobs:
                return DataSet.gaussianBlobs(count: 400, centers: [[-6, -4], [5, -5], [0, 6], [7, 4]], spread: 1.6, seed: 7)
            case .oldFaithful:
                return DataSet(name: rawValue, points: Matrix(SampleData.oldFaithful.map { $0.map { Float($0) } }),
                               columnNames: ["eruption (min)", "waiting (min)"], source: "R datasets::faithful")
            case .iris:
                var iris = DataSet(name: rawValue, points: Matrix(SampleData.iris.map { $0.map { Float($0) } }),
                                   columnNames: ["sepal length", "sepal width", "petal length", "petal width"], source: "Fisher's Iris (scikit-learn)")
                iris.truth = TruthLabels(column: "species", names: ["setosa", "versicolor", "virginica"], labels: SampleData.irisSpecies)
                return iris
            }
        }
    }

    /// `count` points drawn around `centres` with standard deviation `spread` (Box–Muller, seeded).
    public static func gaussianBlobs(count: Int, centers: [[Float]], spread: Float, seed: UInt64) -> DataSet {
        var generator = SeededGenerator(seed: seed)
        let d = centers.first?.count ?? 2
        var values: [Float] = []
        values.reserveCapacity(count * d)
        for i in 0..<count {
            let center = centers[i % centers.count]
            for t in 0..<d {
                let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
                let u2 = Double.random(in: 0..<1, using: &generator)
                let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
                values.append(center[t] + spread * Float(z))
            }
        }
        return DataSet(name: "blobs", points: Matrix(rows: count, columns: d, values: values),
                       columnNames: ["x", "y"], source: "\(centers.count) Gaussian blobs, σ = \(spread), seed \(seed)")
    }
}

/// How points of any dimension become 2-D positions on screen.
public enum Projection: Sendable, Equatable {
    /// Show two chosen columns.
    case axes(x: Int, y: Int)
    /// Show the first two principal components.
    case pca

    /// A short label, e.g. `x: petal length, y: petal width` or `PCA 1–2`.
    public func label(columnNames: [String]) -> String {
        switch self {
        case let .axes(x, y):
            let xName = x < columnNames.count ? columnNames[x] : "x\(x)"
            let yName = y < columnNames.count ? columnNames[y] : "x\(y)"
            return "\(xName) × \(yName)"
        case .pca: return "PCA 1 × PCA 2"
        }
    }
}

/// A fitted 2-D projection: maps rows of the data to plane coordinates and back.
public struct PlaneMap: Sendable, Equatable {
    /// The projection it implements.
    public let projection: Projection
    /// Column means (used by PCA and to fill unseen columns when mapping back).
    public let mean: [Float]
    /// For PCA, the two unit component vectors (d each).
    public let components: [[Float]]

    /// Fits `projection` to `points`.
    public init(projection: Projection, points: Matrix) {
        self.projection = projection
        let n = points.rows, d = points.columns
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for t in 0..<d { mean[t] += Double(points[i, t]) } }
        let m = mean.map { n > 0 ? $0 / Double(n) : 0 }
        self.mean = m.map { Float($0) }
        guard case .pca = projection, d >= 2, n > 0 else { components = []; return }
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for i in 0..<n {
            for a in 0..<d {
                let xa = Double(points[i, a]) - m[a]
                for b in a..<d { covariance[a][b] += xa * (Double(points[i, b]) - m[b]) }
            }
        }
        for a in 0..<d { for b in a..<d { covariance[b][a] = covariance[a][b] } }
        var found: [[Double]] = []
        for component in 0..<2 {
            var v = (0..<d).map { $0 == component ? 1.0 : 0.5 / Double(d) }
            for _ in 0..<200 {
                var w = (0..<d).map { a in (0..<d).reduce(0.0) { $0 + covariance[a][$1] * v[$1] } }
                for f in found {
                    let dot = zip(w, f).reduce(0.0) { $0 + $1.0 * $1.1 }
                    for t in 0..<d { w[t] -= dot * f[t] }
                }
                let norm = w.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
                if norm < 1e-12 { break }
                v = w.map { $0 / norm }
            }
            // A fixed sign so snapshots do not flip: the largest entry is positive.
            if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
            found.append(v)
        }
        components = found.map { $0.map { Float($0) } }
    }

    /// The plane position of `row`.
    public func project(_ row: ArraySlice<Float>) -> (x: Float, y: Float) {
        let values = Array(row)
        switch projection {
        case let .axes(x, y):
            return (x < values.count ? values[x] : 0, y < values.count ? values[y] : 0)
        case .pca:
            guard components.count == 2 else { return (values.first ?? 0, values.count > 1 ? values[1] : 0) }
            var p: (Float, Float) = (0, 0)
            for t in values.indices {
                let centered = values[t] - mean[t]
                p.0 += centered * components[0][t]
                p.1 += centered * components[1][t]
            }
            return p
        }
    }

    /// A data-space point that projects to `(x, y)`: unseen columns take the column means.
    public func unproject(x: Float, y: Float) -> [Float] {
        switch projection {
        case let .axes(ax, ay):
            var out = mean
            if ax < out.count { out[ax] = x }
            if ay < out.count { out[ay] = y }
            return out
        case .pca:
            guard components.count == 2 else { return [x, y] }
            return mean.indices.map { mean[$0] + x * components[0][$0] + y * components[1][$0] }
        }
    }
}
