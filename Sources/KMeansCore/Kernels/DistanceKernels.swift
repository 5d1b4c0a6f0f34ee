// The hot loops of k-means behind one small interface. The fast path calls the C kernels in CKMeansKernels
// (runtime-dispatched AVX-512 / AVX2+FMA / portable); the pure-Swift reference path (ReferenceKernels.swift) stays
// for tests. The pruned nearest search is in PrunedNearest.swift, the partitioning in Partitioning.swift.
import CKMeansKernels

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
                return foldLanes(lanes)
            }
        }
        return mergedLoss(partials)
    }

    /// A partition's 16 lane sums added as the fixed tree of ``lossSum(of:)`` (l + l+8, then +4, +2, +1).
    static func foldLanes(_ lanes: SIMD16<Float>) -> Float {
        let eight = lanes.lowHalf + lanes.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// Partial sums added in partition order.
    static func mergedLoss(_ partials: [Float]) -> Float {
        guard var total = partials.first else { return 0 }
        for partial in partials.dropFirst() { total += partial }
        return total
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
}
