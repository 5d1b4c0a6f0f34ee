/// Which exact assignment algorithm a full-batch training loop uses. Every choice gives the same assignments,
/// sums and counts as Lloyd's; they differ only in speed and memory.
public enum KMeansAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Chosen from the shape of the problem (see ``resolved(points:dimensions:centers:)``).
    case auto
    /// Every point against every centre each pass (the fused SIMD kernel).
    case lloyd
    /// Lloyd plus Hamerly's bounds (one lower bound per point, 4 bytes × N extra), skipping most searches once
    /// centres settle.
    case hamerly

    /// The concrete algorithm for `points` × `dimensions` data and `centers` centres. `auto` picks Hamerly only
    /// where it measured faster than the Lloyd kernel (docs/BENCHMARKS.md): K ≥ 32 centres and D ≥ 8. Below
    /// D = 8 the points-in-lanes Lloyd kernel is cheaper than Hamerly's per-point bound check, and with few
    /// centres a full search costs about as much as the check.
    public func resolved(points: Int, dimensions: Int, centers: Int) -> KMeansAlgorithm {
        switch self {
        case .lloyd, .hamerly: return self
        case .auto: return centers >= 32 && dimensions >= 8 ? .hamerly : .lloyd
        }
    }
}

/// The assignment step of a full-batch training loop, remembering whatever the chosen algorithm carries between
/// passes (Hamerly's bounds). Keep one engine per data set, call ``pass(points:centers:accumulate:)`` once per
/// step with the same points; the result equals ``DistanceKernels/lloydPass(points:centers:accumulate:)``.
public struct AssignmentEngine: Sendable {
    /// The algorithm asked for (may be `auto`).
    public let algorithm: KMeansAlgorithm
    /// Threads to use (`nil`: all cores).
    public let threads: Int?
    private var hamerly = HamerlyState()

    /// Creates an engine for `algorithm`.
    public init(algorithm: KMeansAlgorithm = .auto, threads: Int? = nil) {
        self.algorithm = algorithm
        self.threads = threads
    }

    /// Assigns `points` to `centers` (and accumulates per-cluster sums and counts when asked).
    public mutating func pass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        switch algorithm.resolved(points: points.rows, dimensions: points.columns, centers: centers.rows) {
        case .hamerly:
            return hamerly.pass(points: points, centers: centers, accumulate: accumulate, threads: threads)
        case .lloyd, .auto:
            return DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: threads)
        }
    }

    /// Forgets carried state (call when the points change).
    public mutating func reset() { hamerly.reset() }
}
