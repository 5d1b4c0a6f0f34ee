/// Which exact assignment algorithm a full-batch training loop uses. Every choice gives the same assignments as
/// Lloyd's at every step; all but `incremental` also give the same sums and counts bit for bit (TF's centres).
public enum KMeansAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Chosen from the shape of the problem (see ``resolved(points:dimensions:centers:)``).
    case auto
    /// Every point against every centre each pass (the fused SIMD kernel).
    case lloyd
    /// Lloyd plus Hamerly's bounds (one lower bound per point, 4 bytes × N extra), skipping most searches once
    /// centres settle.
    case hamerly
    /// Hamerly's bounds without reading the points whose bounds hold, and cluster sums kept in float64, updated from
    /// the points that changed cluster only (``IncrementalState``; 12 bytes × N extra). Same assignments as Lloyd's;
    /// the centres differ from TF's float32 sums by a few ulps (docs/BENCHMARKS.md), so never chosen by `auto`.
    case incremental

    /// Whether the algorithm carries bounds across passes over the same points (full-batch training only).
    public var needsFullBatch: Bool { self == .hamerly || self == .incremental }

    /// Parses `"auto"`, `"lloyd"`, `"hamerly"` or `"incremental"`; throws naming `algorithm` for anything else.
    public init(name: String) throws {
        guard let algorithm = KMeansAlgorithm(rawValue: name) else {
            throw KMeansError.invalidArgument(argument: "algorithm", reason: "Unsupported algorithm '\(name)' (use auto, lloyd, hamerly or incremental)")
        }
        self = algorithm
    }

    /// The concrete algorithm for `points` × `dimensions` data and `centers` centres. `auto` picks Hamerly only
    /// where it measured faster than the Lloyd kernel (docs/BENCHMARKS.md): K ≥ 32 centres and D ≥ 8. Below
    /// D = 8 the points-in-lanes Lloyd kernel is cheaper than Hamerly's per-point bound check, and with few
    /// centres a full search costs about as much as the check.
    public func resolved(points: Int, dimensions: Int, centers: Int) -> KMeansAlgorithm {
        switch self {
        case .lloyd, .hamerly, .incremental: return self
        case .auto: return centers >= 32 && dimensions >= 8 ? .hamerly : .lloyd
        }
    }
}

/// The assignment step of a full-batch training loop, remembering what carries over between passes over the same
/// data: Hamerly's bounds, the output arrays (reused, so a step allocates no new pass buffers), and, for
/// ``ModelFunction``, the last batch it validated and (for cosine) normalised.
///
/// Keep one engine per training loop and call ``pass(points:centers:accumulate:)`` once per step; the result equals
/// ``DistanceKernels/lloydPass(points:centers:accumulate:)``. Through `ModelFunction`'s `engine:` methods the engine
/// notices a new batch by itself; when calling ``pass(points:centers:accumulate:)`` directly, call ``reset()``
/// whenever the points change.
public struct AssignmentEngine: Sendable {
    /// The algorithm asked for (may be `auto`).
    public let algorithm: KMeansAlgorithm
    /// Threads to use (`nil`: all cores).
    public let threads: Int?
    private var hamerly = HamerlyState()
    private var incremental = IncrementalState()
    private var buffers = LloydPass(indices: [], distances: [], sums: [], counts: [])
    /// The batch last handed to ``preparedPoints(for:normalize:validate:)`` (kept to recognise it again) and the
    /// points derived from it (the same storage, or its l2-normalised copy).
    private var lastBatch: Matrix?
    private var lastPrepared: Matrix?
    private var lastNormalized = false

    /// Creates an engine for `algorithm`.
    public init(algorithm: KMeansAlgorithm = .auto, threads: Int? = nil) {
        self.algorithm = algorithm
        self.threads = threads
    }

    /// The concrete algorithm used for `points` × `centers`.
    public func resolvedAlgorithm(points: Matrix, centers: Matrix) -> KMeansAlgorithm {
        algorithm.resolved(points: points.rows, dimensions: points.columns, centers: centers.rows)
    }

    /// Assigns `points` to `centers` (and accumulates per-cluster sums and counts when asked).
    ///
    /// The returned arrays share storage with the engine's buffers until the next pass; release the result before
    /// the next pass to let it write in place (holding on to it is safe, it only costs a copy).
    public mutating func pass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        run(points: points, centers: centers, accumulate: accumulate, lossOnly: false)
    }

    /// Like ``pass(points:centers:accumulate:)`` but always fills ``LloydPass/loss`` (in
    /// ``DistanceKernels/lossSum(of:)``'s order), and leaves the per-point distances and indices empty when the
    /// algorithm can compute the loss without keeping them (Lloyd sums them inside the kernel and adds each chunk's
    /// points to their clusters right after assigning them).
    public mutating func lossPass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        run(points: points, centers: centers, accumulate: accumulate, lossOnly: true)
    }

    /// One pass of the resolved algorithm into the engine's buffers (`lossOnly`: what ``lossPass`` returns).
    private mutating func run(points: Matrix, centers: Matrix, accumulate: Bool, lossOnly: Bool) -> LloydPass {
        switch resolvedAlgorithm(points: points, centers: centers) {
        case .hamerly:
            hamerly.pass(points: points, centers: centers, accumulate: accumulate, threads: threads, into: &buffers)
            lastFullSearchCount = hamerly.lastFullSearchCount
            lastSkippedBlockCount = hamerly.lastSkippedBlockCount
            // The Hamerly kernel computes every point's distance to its centre (for the bound check and the loss).
            lastPointsReadCount = points.rows
            if lossOnly { buffers.loss = DistanceKernels.lossSum(of: buffers.distances) }
        case .incremental:
            buffers = incremental.pass(points: points, centers: centers, threads: threads)
            lastFullSearchCount = incremental.lastFullSearchCount
            lastSkippedBlockCount = 0
            lastPointsReadCount = incremental.lastPointsReadCount
            if !lossOnly {
                // Per-point outputs on request: the indices, and their distances with the Lloyd kernel's bits.
                buffers.indices = incremental.indices
                buffers.distances = DistanceKernels.assignedDistances(points: points, centers: centers,
                                                                      indices: incremental.indices, threads: threads)
                buffers.loss = nil
            }
        case .lloyd, .auto:
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: threads,
                                      computeDistances: !lossOnly, computeLoss: lossOnly, computeIndices: !lossOnly,
                                      into: &buffers)
            lastFullSearchCount = points.rows
            lastSkippedBlockCount = 0
            lastPointsReadCount = points.rows
        }
        return buffers
    }

    /// Number of points that needed a full nearest-centre search in the last pass (all of them for Lloyd).
    public private(set) var lastFullSearchCount = 0
    /// Blocks of 16 centres the last pass's searched rows skipped (Hamerly with d > 32 and k > 16; else 0).
    public private(set) var lastSkippedBlockCount = 0
    /// Number of points whose rows the last pass read (all of them for Lloyd and Hamerly; for `incremental`, those
    /// whose bounds did not hold).
    public private(set) var lastPointsReadCount = 0

    /// Forgets carried state (bounds and the remembered batch): call when the points change.
    public mutating func reset() {
        hamerly.reset()
        incremental.reset()
        lastBatch = nil
        lastPrepared = nil
    }

    /// The points to assign for `batch`: `batch` itself, or its l2-normalised rows when `normalize`. A batch equal
    /// to the previous one (checked by storage identity first, then by value) reuses the previous result without
    /// running `validate` or normalising again; any other batch is validated, prepared, and resets the bounds.
    mutating func preparedPoints(
        for batch: Matrix, normalize: Bool, validate: (Matrix) throws -> Void
    ) rethrows -> Matrix {
        if let lastBatch, let lastPrepared, lastNormalized == normalize, lastBatch == batch {
            return lastPrepared
        }
        try validate(batch)
        let prepared = normalize ? batch.l2NormalizedRows() : batch
        hamerly.reset()
        incremental.reset()
        lastBatch = batch
        lastPrepared = prepared
        lastNormalized = normalize
        return prepared
    }
}
