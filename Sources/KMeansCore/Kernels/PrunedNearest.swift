// The exact nearest-centre search with Elkan's test and partial distances (kmk_pruned_nearest), and the
// finiteness-checked nearest search.
import CKMeansKernels

extension DistanceKernels {
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
                        let gapPointer = SharedPointer(g.baseAddress)
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

}
