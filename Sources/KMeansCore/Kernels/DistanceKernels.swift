// The hot loops of k-means behind one small interface. The fast path calls the C kernels in CKMeansKernels
// (runtime-dispatched AVX-512 / AVX2+FMA / portable); the pure-Swift reference path stays for tests.
import CKMeansKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Which compiled variant of the fast kernels to run. The best one the CPU supports is the default; asking for a
/// higher one than supported runs the best supported one.
public enum KernelInstructionSet: Int32, Sendable, CaseIterable {
    /// The best variant this CPU supports.
    case automatic = 0
    /// Baseline x86-64 / any CPU: plain SIMD, no FMA.
    case portable = 1
    /// AVX2 with FMA.
    case avx2 = 2
    /// AVX-512 (F, BW, VL, DQ) with FMA.
    case avx512 = 3
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

/// Nearest-centre assignment, per-cluster accumulation and all-pairs distances: the kernels every training step,
/// `predict` and `transform` run on.
///
/// Results depend only on the inputs, never on the thread count or on timing: points are split into a number of
/// contiguous partitions that depends only on `n`, each partition sums its points in row order, and the partial
/// sums are added in partition order. Inputs below ``minimumPointsToSplit`` rows form one partition, so their sums
/// are TF's sequential float32 sums exactly.
public enum DistanceKernels {
    /// Fewest points for which a pass is split into several partitions.
    public static let minimumPointsToSplit = 16_384
    /// Most partitions a pass is split into.
    public static let maximumPartitions = 16

    /// The instruction set the fast kernels run on in this process ("avx512", "avx2" or "portable").
    public static var instructionSet: String { String(cString: kmk_isa_name()) }

    /// The best variant the CPU supports (lowered by `KMEANS_KERNELS_ISA=portable|avx2`).
    public static var supportedInstructionSet: KernelInstructionSet {
        KernelInstructionSet(rawValue: kmk_isa_level()) ?? .portable
    }

    /// The number of threads used when a caller passes `nil`: the active processor count.
    public static var defaultThreadCount: Int { max(1, System.activeProcessorCount) }

    /// Assigns every row of `points` (n × d) to its nearest row of `centers` (k × d) under squared Euclidean
    /// distance, optionally accumulating per-cluster sums and counts, using all cores.
    public static func lloydPass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        lloydPass(points: points, centers: centers, accumulate: accumulate, threads: nil)
    }

    /// Assigns every row of `points` to its nearest row of `centers`, on at most `threads` threads (`nil`: all
    /// cores). `distances` may be skipped (left empty) when the caller needs only the indices.
    public static func lloydPass(
        points: Matrix, centers: Matrix, accumulate: Bool, threads: Int?, computeDistances: Bool = true,
        instructionSet: KernelInstructionSet = .automatic
    ) -> LloydPass {
        var result = LloydPass(indices: [], distances: [], sums: [], counts: [])
        lloydPass(points: points, centers: centers, accumulate: accumulate, threads: threads,
                  computeDistances: computeDistances, instructionSet: instructionSet, into: &result)
        return result
    }

    /// Like ``lloydPass(points:centers:accumulate:threads:computeDistances:instructionSet:)`` but reuses the
    /// arrays of `result` when they already have the right sizes, so a training loop allocates nothing per step.
    ///
    /// `computeLoss` fills ``LloydPass/loss`` inside the kernel (equal to ``lossSum(of:)`` of the distances, which
    /// need not be kept: `computeDistances` may be false). With `computeLoss`, `computeIndices: false` leaves
    /// ``LloydPass/indices`` empty: a training step that needs only the sums, counts and loss then holds no
    /// per-point array (4 bytes × n less at peak).
    public static func lloydPass(
        points: Matrix, centers: Matrix, accumulate: Bool, threads: Int?, computeDistances: Bool = true,
        computeLoss: Bool = false, computeIndices: Bool = true, instructionSet: KernelInstructionSet = .automatic,
        into result: inout LloydPass
    ) {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        guard k > 0 else {
            result = referenceLloydPass(points: points, centers: centers, accumulate: accumulate)
            if computeLoss { result.loss = lossSum(of: result.distances) }
            return
        }
        let packed = PackedCenters(centers)
        // Without indices (only with the loss, as the kernel requires) a pass holds no per-point output at all.
        let keepsIndices = computeIndices || !computeLoss
        result.prepare(n: n, k: k, d: d, distances: computeDistances, accumulate: accumulate, indices: keepsIndices)
        if !keepsIndices { result.indices = [] }
        let lossLanes: Int32 = partitions(of: n).count > 1 ? 1 : 0
        let partitionLosses = packed.withPointers { centerPointers in
            points.values.withUnsafeBufferPointer { x in
                result.withOutputs(points: x) { outputs in
                    runPartitioned(n: n, k: k, d: d, threads: threads, accumulate: accumulate,
                                   outputs: outputs) { range, sums, counts -> Float in
                        var loss: Float = 0
                        withUnsafeMutablePointer(to: &loss) { lossPointer in
                            kmk_assign(
                                instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                                Int64(range.count), Int64(d),
                                centerPointers.centers, centerPointers.packed, centerPointers.halfNorms,
                                Int64(k), outputs.indices.map { $0 + range.lowerBound },
                                outputs.distances.map { $0 + range.lowerBound }, sums, counts,
                                computeLoss ? lossPointer : nil, lossLanes)
                        }
                        return loss
                    }
                }
            }
        }
        result.loss = computeLoss ? mergedLoss(partitionLosses) : nil
    }

    /// TF's per-point distance from every row of `points` to the centre `indices[i]` names: the same bits as the
    /// ``LloydPass/distances`` of a pass that picked those centres, without the search (O(n·d) instead of
    /// O(n·d·k)) — for when the assignments are known and only the distances are wanted.
    public static func assignedDistances(
        points: Matrix, centers: Matrix, indices: [Int32], threads: Int? = nil,
        instructionSet: KernelInstructionSet = .automatic
    ) -> [Float] {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        precondition(indices.count == n, "one index per point: \(indices.count) indices for \(n) points")
        precondition(indices.allSatisfy { $0 >= 0 && Int($0) < k }, "an index is not a centre")
        guard n > 0 else { return [] }
        let packed = PackedCenters(centers)
        var out = [Float](repeating: 0, count: n)
        packed.withPointers { centerPointers in
            points.values.withUnsafeBufferPointer { x in
                indices.withUnsafeBufferPointer { idx in
                    out.withUnsafeMutableBufferPointer { o in
                        let outputs = PassOutputs(points: x.baseAddress, indices: UnsafeMutablePointer(mutating: idx.baseAddress),
                                                  distances: o.baseAddress, sums: nil, counts: nil)
                        runPartitioned(n: n, k: k, d: d, threads: threads, accumulate: false, outputs: outputs) { range, _, _ in
                            kmk_assigned_distances(
                                instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                                Int64(range.count), Int64(d), centerPointers.centers, centerPointers.halfNorms,
                                outputs.indices.map { $0 + range.lowerBound },
                                outputs.distances.map { $0 + range.lowerBound })
                        }
                    }
                }
            }
        }
        return out
    }

    /// The loss TF's graph computes as `reduce_sum` of the per-point distances, in this library's fixed order: below
    /// ``minimumPointsToSplit`` points the sequential float32 sum in row order (TF's own result for such batches);
    /// above (where TF's Eigen reduction is a vectorised tree, not sequential), per range of ``partitions(of:)``:
    /// point i of the range into lane i mod 16, each lane summed in order, the lanes added as a fixed tree
    /// (l + l+8, then +4, +2, +1); the partition sums then added in partition order. Independent of threads.
    public static func lossSum(of distances: [Float]) -> Float {
        let ranges = partitions(of: distances.count)
        let partials = distances.withUnsafeBufferPointer { values in
            ranges.map { range -> Float in
                if ranges.count == 1 {
                    var sum: Float = 0
                    for i in range { sum += values[i] }
                    return sum
                }
                // Lane l holds the points at offsets ≡ l (mod 16), each lane summed in order.
                var lanes = SIMD16<Float>()
                var i = range.lowerBound
                while i + 16 <= range.upperBound {
                    lanes += SIMD16<Float>(values[i..<(i + 16)])
                    i += 16
                }
                var lane = 0
                while i < range.upperBound { lanes[lane] += values[i]; i += 1; lane += 1 }
                let eight = lanes.lowHalf + lanes.highHalf
                let four = eight.lowHalf + eight.highHalf
                let two = four.lowHalf + four.highHalf
                return two[0] + two[1]
            }
        }
        return mergedLoss(partials)
    }

    /// Partial sums added in partition order.
    static func mergedLoss(_ partials: [Float]) -> Float {
        guard var total = partials.first else { return 0 }
        for partial in partials.dropFirst() { total += partial }
        return total
    }

    /// Whether ``prunedNearest(points:centers:threads:computeDistances:)`` prunes for this shape (d ≥ 64 and
    /// k ≥ 32, where the guess from 8 dimensions costs a small share of the full search) instead of running the
    /// plain pass.
    public static func prunesNearest(dimensions d: Int, centers k: Int) -> Bool {
        d >= 64 && k >= 32
    }

    /// Nearest centre per point, exactly as ``lloydPass(points:centers:accumulate:)``'s indices (and distances),
    /// with less work where the shape allows (``prunesNearest(dimensions:centers:)``): a guess from the leading 8
    /// dimensions, then Elkan's test — centre j cannot beat the guess a when ‖c_a − c_j‖ ≥ 2‖x − c_a‖, checked
    /// with float32 rounding margins against the centre-to-centre distances computed once — and, for points it
    /// leaves with many candidates (far from every centre), the partial distance over the first 9/16 of the
    /// dimensions as a lower bound (continuing the guess's partial sums); then the distance to the few centres left
    /// (the kernel's exact arithmetic where two are within rounding of each other), and the full search for a point
    /// with more than 32 of them. Other shapes run the plain pass. `fullSearches` counts the points that needed the
    /// full search.
    public static func prunedNearest(
        points: Matrix, centers: Matrix, threads: Int? = nil, computeDistances: Bool = true,
        instructionSet: KernelInstructionSet = .automatic
    ) -> (pass: LloydPass, fullSearches: Int) {
        prunedNearest(points: points, centers: centers, threads: threads, computeDistances: computeDistances,
                      instructionSet: instructionSet, forcePruning: false)
    }

    /// `forcePruning`: run the pruned kernel for any shape (tests).
    static func prunedNearest(
        points: Matrix, centers: Matrix, threads: Int?, computeDistances: Bool,
        instructionSet: KernelInstructionSet, forcePruning: Bool
    ) -> (pass: LloydPass, fullSearches: Int) {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        guard forcePruning || prunesNearest(dimensions: d, centers: k), n > 0, k > 0 else {
            let pass = lloydPass(points: points, centers: centers, accumulate: false, threads: threads,
                                 computeDistances: computeDistances, instructionSet: instructionSet)
            return (pass, n)
        }
        var result = LloydPass(indices: [], distances: [], sums: [], counts: [])
        result.prepare(n: n, k: k, d: d, distances: computeDistances, accumulate: false)
        var searched = 0
        result.indices.withUnsafeMutableBufferPointer { idx in
            result.distances.withUnsafeMutableBufferPointer { dist in
                searched = runPrunedNearest(points: points, centers: centers, threads: threads,
                                            instructionSet: instructionSet, checkFinite: false,
                                            indices: idx.baseAddress!, distances: dist.isEmpty ? nil : dist.baseAddress) ?? n
            }
        }
        return (result, searched)
    }

    /// Nearest centre of every row of `points` (and TF's per-point distance when `computeDistances`), exactly as
    /// ``lloydPass(points:centers:accumulate:)`` — the pruned search where ``prunesNearest(dimensions:centers:)``
    /// applies (or `forcePruning`), the plain pass otherwise — with every value of `points` checked for NaN and
    /// infinity in the same pass, per chunk while its rows are in cache. Returns nil when a value is not finite.
    /// The result arrays are written once by the workers (no zero fill first). Needs n > 0 and k > 0.
    static func checkedNearest(
        points: Matrix, centers: Matrix, computeDistances: Bool, threads: Int? = nil,
        instructionSet: KernelInstructionSet = .automatic, forcePruning: Bool = false
    ) -> LloydPass? {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        precondition(n > 0 && k > 0, "checkedNearest needs points and centres")
        let pruning = forcePruning || prunesNearest(dimensions: d, centers: k)
        var finite = true
        var distances: [Float] = []
        // Both arrays have n > 0 elements: `unsafeUninitializedCapacity: 0` would write the count into the shared
        // empty-array storage, a data race with every other thread using an empty array (ThreadSanitizer).
        let indices = [Int32](unsafeUninitializedCapacity: n) { indexBuffer, indexCount in
            let indexPointer = indexBuffer.baseAddress!
            func search(_ distancePointer: UnsafeMutablePointer<Float>?) {
                if pruning {
                    finite = runPrunedNearest(points: points, centers: centers, threads: threads,
                                              instructionSet: instructionSet, checkFinite: true,
                                              indices: indexPointer, distances: distancePointer) != nil
                } else {
                    finite = runCheckedPlain(points: points, centers: centers, threads: threads,
                                             instructionSet: instructionSet, indices: indexPointer,
                                             distances: distancePointer)
                }
            }
            if computeDistances {
                distances = [Float](unsafeUninitializedCapacity: n) { distanceBuffer, distanceCount in
                    search(distanceBuffer.baseAddress)
                    distanceCount = n
                }
            } else {
                search(nil)
            }
            indexCount = n
        }
        guard finite else { return nil }
        return LloydPass(indices: indices, distances: distances, sums: [], counts: [])
    }

    /// The plain pass with the finiteness check (`kmk_nearest_checked`) on every partition; false when a value
    /// is not finite.
    private static func runCheckedPlain(
        points: Matrix, centers: Matrix, threads: Int?, instructionSet: KernelInstructionSet,
        indices: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>?
    ) -> Bool {
        let n = points.rows, d = points.columns, k = centers.rows
        let packed = PackedCenters(centers)
        let flags = packed.withPointers { centerPointers in
            points.values.withUnsafeBufferPointer { x in
                let outputs = PassOutputs(points: x.baseAddress, indices: indices, distances: distances,
                                          sums: nil, counts: nil)
                return runPartitioned(n: n, k: k, d: d, threads: threads, accumulate: false,
                                      outputs: outputs) { range, _, _ in
                    kmk_nearest_checked(
                        instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                        Int64(range.count), Int64(d), centerPointers.centers, centerPointers.packed,
                        centerPointers.halfNorms, Int64(k), outputs.indices.map { $0 + range.lowerBound },
                        outputs.distances.map { $0 + range.lowerBound })
                }
            }
        }
        return !flags.contains { $0 != 0 }
    }

    /// Runs `kmk_pruned_nearest` on every partition into `indices` (n) and `distances` (n, or nil). Returns the
    /// number of fully searched points, or nil when `checkFinite` found a value that is not finite.
    private static func runPrunedNearest(
        points: Matrix, centers: Matrix, threads: Int?, instructionSet: KernelInstructionSet, checkFinite: Bool,
        indices: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>?
    ) -> Int? {
        let n = points.rows, d = points.columns, k = centers.rows
        // 8 guess dimensions measured faster than 4, 12 and 16 on case D once the partial distances continued the
        // guess's sums (the guess is as good for Elkan's test; the far points' partial stage does the rest).
        let guessDimensions = 8
        let packed = PackedCenters(centers)
        let guessPacked = PackedCenters(centers.leadingColumns(guessDimensions))
        // Partial distances over the first 9/16 of the dimensions for the points Elkan's test leaves open (on
        // case D, 48 and 56 dimensions left more candidates and full searches and measured slower; once the
        // partial sums continued the guess's, 72 measured 1–2 % faster than 64, 80 slower).
        let boundDimensions = max(1, min(d, max(guessDimensions, d * 9 / 16)))
        let guessWidth = min(guessDimensions, d)
        // The partial distances continue the guess's parts: centres packed from columns [guess, bound).
        let boundPacked = PackedCenters(centers.columns(guessWidth..<max(guessWidth, boundDimensions)))
        let paddedCount = Int(kmk_padded_count(Int64(k)))
        var gaps = [Float](repeating: 0, count: k * paddedCount)
        centers.values.withUnsafeBufferPointer { c in
            gaps.withUnsafeMutableBufferPointer { g in
                kmk_center_gaps(instructionSet.rawValue, c.baseAddress, Int64(k), Int64(d), g.baseAddress)
            }
        }
        let maximumNormSquared = packed.norms.prefix(k).max() ?? 0
        let searched = packed.withPointers { centerPointers in
            guessPacked.withPointers { guessPointers in
                boundPacked.withPointers { boundPointers in
                    gaps.withUnsafeMutableBufferPointer { g in
                        let gapPointer = KernelSharedPointer(g.baseAddress)
                        return points.values.withUnsafeBufferPointer { x in
                            let outputs = PassOutputs(points: x.baseAddress, indices: indices, distances: distances,
                                                      sums: nil, counts: nil)
                            return runPartitioned(n: n, k: k, d: d, threads: threads, accumulate: false,
                                                  outputs: outputs) { range, _, _ -> Int64 in
                                var count = kmk_pruned_nearest(
                                    instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                                    Int64(range.count), Int64(d), centerPointers.centers, centerPointers.packed,
                                    centerPointers.halfNorms, Int64(k), guessPointers.packed,
                                    guessPointers.halfNorms, Int64(guessWidth),
                                    boundPointers.packed, boundPointers.halfNorms, Int64(boundDimensions),
                                    gapPointer.pointer,
                                    maximumNormSquared, outputs.indices.map { $0 + range.lowerBound },
                                    outputs.distances.map { $0 + range.lowerBound }, checkFinite ? 1 : 0)
                                if count == -1 {
                                    // No scratch memory: the plain kernel needs none.
                                    if checkFinite {
                                        count = kmk_nearest_checked(
                                            instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                                            Int64(range.count), Int64(d), centerPointers.centers,
                                            centerPointers.packed, centerPointers.halfNorms, Int64(k),
                                            outputs.indices.map { $0 + range.lowerBound },
                                            outputs.distances.map { $0 + range.lowerBound }) != 0 ? -2 : Int64(range.count)
                                    } else {
                                        kmk_assign(
                                            instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d },
                                            Int64(range.count), Int64(d), centerPointers.centers,
                                            centerPointers.packed, centerPointers.halfNorms, Int64(k),
                                            outputs.indices.map { $0 + range.lowerBound },
                                            outputs.distances.map { $0 + range.lowerBound }, nil, nil, nil, 0)
                                        count = Int64(range.count)
                                    }
                                }
                                return count
                            }
                        }
                    }
                }
            }
        }
        if searched.contains(-2) { return nil }
        return Int(searched.reduce(0, +))
    }

    /// The indices of ``prunedNearest(points:centers:threads:computeDistances:instructionSet:)`` without the
    /// distances, and how many points needed the full search.
    public static func prunedNearestIndices(
        points: Matrix, centers: Matrix, threads: Int? = nil
    ) -> (indices: [Int32], fullSearches: Int) {
        let (pass, searched) = prunedNearest(points: points, centers: centers, threads: threads,
                                             computeDistances: false)
        return (pass.indices, searched)
    }

    /// Raw distances from every point to every centre, n × k, with TF's `all_distances` formula:
    /// `‖x‖² − 2⟨x,c⟩ + ‖c‖²` (may be slightly negative when a point equals a centre).
    public static func allDistances(points: Matrix, centers: Matrix) -> Matrix {
        allDistances(points: points, centers: centers, threads: nil)
    }

    /// Raw squared Euclidean distances, n × k, on at most `threads` threads (`nil`: all cores).
    public static func allDistances(
        points: Matrix, centers: Matrix, threads: Int?, instructionSet: KernelInstructionSet = .automatic
    ) -> Matrix {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        guard k > 0, n > 0 else { return Matrix(rows: n, columns: k) }
        let packed = PackedCenters(centers)
        var out = [Float](repeating: 0, count: n * k)
        packed.withPointers { centerPointers in
            points.values.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { o in
                    let outputs = PassOutputs(points: x.baseAddress, indices: nil, distances: o.baseAddress,
                                              sums: nil, counts: nil)
                    runPartitioned(n: n, k: k, d: d, threads: threads, accumulate: false, outputs: outputs) { range, _, _ in
                        kmk_all_distances(
                            instructionSet.rawValue, outputs.points.map { $0 + range.lowerBound * d }, Int64(range.count), Int64(d),
                            centerPointers.packed, centerPointers.norms, Int64(k),
                            outputs.distances.map { $0 + range.lowerBound * k })
                    }
                }
            }
        }
        return Matrix(rows: n, columns: k, values: out)
    }

    // MARK: Reference path (pure Swift, sequential; the fast path is tested against it)

    /// The pure-Swift reference of ``lloydPass(points:centers:accumulate:)``: sequential, no SIMD, no threads.
    public static func referenceLloydPass(points: Matrix, centers: Matrix, accumulate: Bool) -> LloydPass {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch")
        var indices = [Int32](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var sums = accumulate ? [Float](repeating: 0, count: k * d) : []
        var counts = accumulate ? [Float](repeating: 0, count: k) : []
        var halfNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { let c = centers.values[j * d + t]; s += c * c }
            halfNorms[j] = 0.5 * s
        }
        for i in 0..<n {
            var best: Float = .infinity
            var bestIndex = 0
            var xx: Float = 0
            for t in 0..<d { let x = points.values[i * d + t]; xx += x * x }
            for j in 0..<k {
                var dot: Float = 0
                for t in 0..<d { dot += points.values[i * d + t] * centers.values[j * d + t] }
                let part = halfNorms[j] - dot
                if part < best { best = part; bestIndex = j }
            }
            indices[i] = Int32(bestIndex)
            distances[i] = k == 0 ? .infinity : 2 * (0.5 * xx + best)
            if accumulate, k > 0 {
                counts[bestIndex] += 1
                for t in 0..<d { sums[bestIndex * d + t] += points.values[i * d + t] }
            }
        }
        return LloydPass(indices: indices, distances: distances, sums: sums, counts: counts)
    }

    /// The pure-Swift reference of ``allDistances(points:centers:)``.
    public static func referenceAllDistances(points: Matrix, centers: Matrix) -> Matrix {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch")
        var out = [Float](repeating: 0, count: n * k)
        var centerNorms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { let c = centers.values[j * d + t]; s += c * c }
            centerNorms[j] = s
        }
        for i in 0..<n {
            var xx: Float = 0
            for t in 0..<d { let x = points.values[i * d + t]; xx += x * x }
            for j in 0..<k {
                var dot: Float = 0
                for t in 0..<d { dot += points.values[i * d + t] * centers.values[j * d + t] }
                out[i * k + j] = xx - 2 * dot + centerNorms[j]
            }
        }
        return Matrix(rows: n, columns: k, values: out)
    }

    // MARK: Partitioning

    /// The contiguous point ranges a pass over `n` points is split into; depends only on `n`.
    public static func partitions(of n: Int) -> [Range<Int>] {
        let count = n < minimumPointsToSplit ? 1 : min(maximumPartitions, n / (minimumPointsToSplit / 2))
        return (0..<count).map { p in (n * p / count)..<(n * (p + 1) / count) }
    }

    /// Runs `body` on every partition of `0..<n` (in parallel when allowed) and returns what it returned for each
    /// partition, in partition order (a kernel's per-partition count, flag or loss). Partition 0 accumulates
    /// straight into the output sums and counts; the others into scratch that is then added in partition order.
    @discardableResult
    static func runPartitioned<Result: Sendable>(
        n: Int, k: Int, d: Int, threads: Int?, accumulate: Bool, outputs: PassOutputs,
        _ body: @escaping @Sendable (Range<Int>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Result
    ) -> [Result] {
        let ranges = partitions(of: n)
        let workers = min(ranges.count, max(1, threads ?? defaultThreadCount))
        if ranges.count == 1 {
            return [body(ranges[0], outputs.sums, outputs.counts)]
        }
        let stride = k * d + k
        var scratch = [Float](repeating: 0, count: accumulate ? stride * (ranges.count - 1) : 0)
        // Each partition initialises its own slot; all are initialised once every partition has run.
        let results = UnsafeMutablePointer<Result>.allocate(capacity: ranges.count)
        defer {
            results.deinitialize(count: ranges.count)
            results.deallocate()
        }
        let resultSlots = KernelSharedPointer(results)
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            let base = KernelSharedPointer(scratchBuffer.baseAddress)
            let run: @Sendable (Int) -> Void = { p in
                let result: Result
                if !accumulate {
                    result = body(ranges[p], nil, nil)
                } else if p == 0 {
                    result = body(ranges[p], outputs.sums, outputs.counts)
                } else {
                    let partial = base.pointer! + (p - 1) * stride
                    result = body(ranges[p], partial, partial + k * d)
                }
                (resultSlots.pointer! + p).initialize(to: result)
            }
            if workers == 1 {
                for p in ranges.indices { run(p) }
            } else {
                // Workers claim partitions one at a time, so a descheduled thread does not hold up the others;
                // each partition writes only its own outputs, so which worker ran it does not matter.
                let counter = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
                counter.initialize(to: 0)
                defer { counter.deallocate() }
                let next = KernelSharedPointer(counter)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while true {
                        let p = Int(kmk_claim_next(next.pointer))
                        if p >= ranges.count { break }
                        run(p)
                    }
                }
            }
            if accumulate, let sums = outputs.sums, let counts = outputs.counts {
                for p in 1..<ranges.count {
                    let partial = base.pointer! + (p - 1) * stride
                    for i in 0..<(k * d) { sums[i] += partial[i] }
                    for j in 0..<k { counts[j] += partial[k * d + j] }
                }
            }
        }
        return Array(UnsafeBufferPointer(start: results, count: ranges.count))
    }
}

/// Raw output pointers of one pass, shared read-only by the workers (each writes its own disjoint rows).
struct PassOutputs: @unchecked Sendable {
    var points: UnsafePointer<Float>?
    var indices: UnsafeMutablePointer<Int32>?
    var distances: UnsafeMutablePointer<Float>?
    var sums: UnsafeMutablePointer<Float>?
    var counts: UnsafeMutablePointer<Float>?
}

/// A pointer handed to worker threads that write disjoint parts of its buffer.
struct KernelSharedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}

/// Centres in the layout the C kernels read: row-major copy, blocks of 16 transposed centres, 0.5‖c‖² and ‖c‖².
struct PackedCenters: Sendable {
    let k: Int
    let d: Int
    let centers: [Float]
    var packed: [Float]
    var halfNorms: [Float]
    var norms: [Float]

    init(_ matrix: Matrix) {
        k = matrix.rows
        d = matrix.columns
        centers = matrix.values
        let padded = Int(kmk_padded_count(Int64(k)))
        packed = [Float](repeating: 0, count: padded * max(d, 1))
        halfNorms = [Float](repeating: 0, count: padded)
        norms = [Float](repeating: 0, count: padded)
        let (k, d) = (k, d)
        centers.withUnsafeBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { p in
                halfNorms.withUnsafeMutableBufferPointer { h in
                    norms.withUnsafeMutableBufferPointer { nr in
                        kmk_pack_centers(c.baseAddress, Int64(k), Int64(d), p.baseAddress, h.baseAddress, nr.baseAddress)
                    }
                }
            }
        }
    }

    /// Raw pointers to the packed arrays, valid inside `body`.
    struct Pointers: @unchecked Sendable {
        let centers: UnsafePointer<Float>?
        let packed: UnsafePointer<Float>?
        let halfNorms: UnsafePointer<Float>?
        let norms: UnsafePointer<Float>?
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        centers.withUnsafeBufferPointer { c in
            packed.withUnsafeBufferPointer { p in
                halfNorms.withUnsafeBufferPointer { h in
                    norms.withUnsafeBufferPointer { nr in
                        body(Pointers(centers: c.baseAddress, packed: p.baseAddress, halfNorms: h.baseAddress,
                                      norms: nr.baseAddress))
                    }
                }
            }
        }
    }
}

/// Processor information without Foundation.
enum System {
    /// Number of processors available to this process.
    static var activeProcessorCount: Int {
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

extension Matrix {
    /// Columns `range` of every row, as a new matrix (an empty range gives 0 columns).
    func columns(_ range: Range<Int>) -> Matrix {
        var values = [Float](repeating: 0, count: rows * range.count)
        self.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    for t in 0..<range.count { target[i * range.count + t] = source[i * columns + range.lowerBound + t] }
                }
            }
        }
        return Matrix(rows: rows, columns: range.count, values: values)
    }

    /// The first `count` columns of every row, as a new matrix.
    func leadingColumns(_ count: Int) -> Matrix {
        let width = Swift.min(count, columns)
        var values = [Float](repeating: 0, count: rows * width)
        self.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    for t in 0..<width { target[i * width + t] = source[i * columns + t] }
                }
            }
        }
        return Matrix(rows: rows, columns: width, values: values)
    }
}
