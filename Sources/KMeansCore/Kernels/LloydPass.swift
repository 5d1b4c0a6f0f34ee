// The result of one fused assignment pass, and the raw pointers the kernels write it through.

/// Result of one fused pass: nearest centre per point, TF's per-point distance, and per-cluster sums and counts.
public struct LloydPass: Sendable, Equatable {
    /// Index of the nearest centre per point (ties go to the lowest index, as TF's `NearestNeighbors`).
    public var indices: [Int32]
    /// Distance to that centre, TF's formula: `2·(0.5‖x‖² + (0.5‖c‖² − ⟨x,c⟩))`.
    public var distances: [Float]
    /// Per-cluster sum of assigned points, `k × d`, or empty when not requested.
    public var sums: [Float]
    /// Per-cluster number of assigned points, or empty when not requested.
    public var counts: [Float]
    /// The sum of the per-point distances in ``DistanceKernels/lossSum(of:)``'s order, when the pass was asked for
    /// it (`nil` otherwise).
    public var loss: Float?

    /// Creates a pass result from its parts.
    public init(indices: [Int32], distances: [Float], sums: [Float], counts: [Float]) {
        self.indices = indices
        self.distances = distances
        self.sums = sums
        self.counts = counts
    }
}

extension LloydPass {
    /// Sizes the arrays for a pass (reusing them when possible) and zeroes the sums and counts.
    mutating func prepare(n: Int, k: Int, d: Int, distances computeDistances: Bool, accumulate: Bool,
                          indices needsIndices: Bool = true) {
        loss = nil
        if needsIndices, indices.count != n { indices = [Int32](repeating: 0, count: n) }
        let distanceCount = computeDistances ? n : 0
        if distances.count != distanceCount { distances = [Float](repeating: 0, count: distanceCount) }
        let sumCount = accumulate ? k * d : 0, countCount = accumulate ? k : 0
        if sums.count != sumCount { sums = [Float](repeating: 0, count: sumCount) } else { sums.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        if counts.count != countCount { counts = [Float](repeating: 0, count: countCount) } else { counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Raw pointers to the output arrays (nil for the empty ones), valid inside `body`.
    mutating func withOutputs<R>(points: UnsafeBufferPointer<Float>, _ body: (PassOutputs) -> R) -> R {
        indices.withUnsafeMutableBufferPointer { idx in
            distances.withUnsafeMutableBufferPointer { dist in
                sums.withUnsafeMutableBufferPointer { s in
                    counts.withUnsafeMutableBufferPointer { c in
                        body(PassOutputs(points: points.baseAddress, indices: idx.isEmpty ? nil : idx.baseAddress,
                                         distances: dist.isEmpty ? nil : dist.baseAddress,
                                         sums: s.isEmpty ? nil : s.baseAddress,
                                         counts: c.isEmpty ? nil : c.baseAddress))
                    }
                }
            }
        }
    }
}

/// Raw output pointers of one pass, shared read-only by the workers (each writes its own disjoint rows).
struct PassOutputs: Sendable {
    private let shared: (points: SharedPointer<Float>, indices: SharedPointer<Int32>, distances: SharedPointer<Float>,
                         sums: SharedPointer<Float>, counts: SharedPointer<Float>)

    init(points: UnsafePointer<Float>?, indices: UnsafeMutablePointer<Int32>?, distances: UnsafeMutablePointer<Float>?,
         sums: UnsafeMutablePointer<Float>?, counts: UnsafeMutablePointer<Float>?) {
        shared = (SharedPointer(points), SharedPointer(indices), SharedPointer(distances), SharedPointer(sums),
                  SharedPointer(counts))
    }

    var points: UnsafePointer<Float>? { shared.points.readOnly }
    var indices: UnsafeMutablePointer<Int32>? { shared.indices.pointer }
    var distances: UnsafeMutablePointer<Float>? { shared.distances.pointer }
    var sums: UnsafeMutablePointer<Float>? { shared.sums.pointer }
    var counts: UnsafeMutablePointer<Float>? { shared.counts.pointer }
}
