import CKMeansKernels

/// Exact accelerated assignment (Hamerly 2010) for repeated passes over the same points: it returns the same
/// result as ``DistanceKernels/lloydPass(points:centers:accumulate:)`` (same assignments, same sums and counts bit
/// for bit, distances to float rounding) but skips the full nearest-centre search for points whose bounds prove
/// their centre cannot have changed.
///
/// The state carries one lower bound per point (to its second-closest centre) and the previous centres across
/// passes. Bounds are kept conservative: they are widened by a margin that covers float32 rounding of the
/// distance arithmetic, so a skip never changes an assignment the Lloyd kernel would make.
///
/// Use one state per data set: pass the same `points` every step (as a full-batch training loop does) and call
/// ``reset()`` if they change. A change of shape (n, d or k) resets the state automatically.
public struct HamerlyState: Sendable {
    /// Index of the assigned centre per point, from the last pass.
    public private(set) var indices: [Int32] = []
    private var lower: [Float] = []
    private var previousCenters: Matrix?
    private var shape: (n: Int, d: Int, k: Int) = (0, 0, 0)
    /// Number of points that needed a full search in the last pass (all of them on the first pass).
    public private(set) var lastFullSearchCount = 0
    /// Blocks of 16 centres that the last pass's searched rows skipped, by the per-block centre gaps (only for
    /// d > 32 with two or more blocks; 0 otherwise).
    public private(set) var lastSkippedBlockCount = 0

    /// Creates an empty state; the first pass searches every point.
    public init() {}

    /// Forgets the bounds, so the next pass searches every point.
    public mutating func reset() {
        previousCenters = nil
    }

    /// One assignment pass of `points` against `centers`, optionally accumulating per-cluster sums and counts;
    /// the same result as the Lloyd kernel.
    public mutating func pass(
        points: Matrix, centers: Matrix, accumulate: Bool, threads: Int? = nil,
        instructionSet: KernelInstructionSet = .automatic
    ) -> LloydPass {
        var result = LloydPass(indices: [], distances: [], sums: [], counts: [])
        pass(points: points, centers: centers, accumulate: accumulate, threads: threads,
             instructionSet: instructionSet, into: &result)
        return result
    }

    /// Like ``pass(points:centers:accumulate:threads:instructionSet:)``, reusing the arrays of `result`.
    public mutating func pass(
        points: Matrix, centers: Matrix, accumulate: Bool, threads: Int? = nil,
        instructionSet: KernelInstructionSet = .automatic, into result: inout LloydPass
    ) {
        let n = points.rows, d = points.columns, k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        guard k > 0 else {
            result = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: accumulate)
            return
        }
        if shape != (n, d, k) || indices.count != n {
            shape = (n, d, k)
            indices = [Int32](repeating: 0, count: n)
            lower = [Float](repeating: 0, count: n)
            previousCenters = nil
        }
        let fullScan = previousCenters == nil
        let lowerShift = fullScan ? [Float](repeating: 0, count: k) : Self.otherCentersShift(from: previousCenters!, to: centers)
        // Per-block gaps only serve the kernel's per-row path (d > 32) with at least two blocks.
        let gaps = Self.centerGaps(centers, perBlock: !fullScan && d > 32 && k > 16 && k <= 1024)
        let halfGap = gaps.half
        let packed = PackedCenters(centers)
        let cMaxSquared = 2 * (packed.halfNorms.prefix(k).max() ?? 0)
        // The state owns the indices (read and written by the kernel); dropping the caller's reference to the
        // previous pass's copy keeps the buffer unique, so it is not copied.
        result.indices = []
        result.prepare(n: n, k: k, d: d, distances: true, accumulate: accumulate, indices: false)
        let isa = instructionSet.rawValue
        let skippedBlocks = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        skippedBlocks.initialize(to: 0)
        defer { skippedBlocks.deallocate() }
        let skippedTotal = SharedPointer(skippedBlocks)
        let scannedPerPartition = packed.withPointers { centerPointers in
            points.values.withUnsafeBufferPointer { x in
                indices.withUnsafeMutableBufferPointer { idx in
                    lower.withUnsafeMutableBufferPointer { low in
                        lowerShift.withUnsafeBufferPointer { shift in
                            halfGap.withUnsafeBufferPointer { gap in
                                gaps.blocks.withUnsafeBufferPointer { blockGap in
                                    result.withOutputs(points: x) { outputs in
                                        let state = (indices: SharedPointer(idx.baseAddress),
                                                     lower: SharedPointer(low.baseAddress),
                                                     shift: SharedPointer(shift.baseAddress),
                                                     gap: SharedPointer(gap.baseAddress),
                                                     blockGap: SharedPointer(blockGap.isEmpty ? nil : blockGap.baseAddress))
                                        return DistanceKernels.runPartitioned(
                                            n: n, k: k, d: d, threads: threads, accumulate: accumulate,
                                            outputs: outputs
                                        ) { range, sums, counts in
                                            kmk_hamerly_pass(
                                                isa, outputs.points.map { $0 + range.lowerBound * d },
                                                Int64(range.count), Int64(d), centerPointers.centers,
                                                centerPointers.packed, centerPointers.halfNorms, Int64(k),
                                                state.gap.readOnly, state.shift.readOnly, state.blockGap.readOnly,
                                                cMaxSquared, fullScan ? 1 : 0, state.indices.pointer.map { $0 + range.lowerBound },
                                                state.lower.pointer.map { $0 + range.lowerBound },
                                                outputs.distances.map { $0 + range.lowerBound }, sums, counts,
                                                skippedTotal.pointer)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if scannedPerPartition.contains(where: { $0 < 0 }) {
            // Scratch allocation failed in the kernel: fall back to a plain Lloyd pass and start over.
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: threads,
                                      instructionSet: instructionSet, into: &result)
            indices = result.indices
            previousCenters = nil
            lastFullSearchCount = n
            lastSkippedBlockCount = 0
            return
        }
        result.indices = indices
        lastFullSearchCount = Int(scannedPerPartition.reduce(0, +))
        lastSkippedBlockCount = Int(skippedBlocks.pointee)
        previousCenters = centers
    }

    /// For each centre j, an upper bound on how far any other centre moved: max over j' ≠ j of ‖c'_j' − c_j'‖.
    static func otherCentersShift(from old: Matrix, to new: Matrix) -> [Float] {
        let k = new.rows, d = new.columns
        var shift = [Double](repeating: 0, count: k)
        for j in 0..<k {
            var s = 0.0
            for t in 0..<d {
                let diff = Double(new[j, t]) - Double(old[j, t])
                s += diff * diff
            }
            shift[j] = s.squareRoot()
        }
        var first = -1.0, second = -1.0, firstIndex = -1
        for j in 0..<k {
            if shift[j] > first { second = first; first = shift[j]; firstIndex = j } else if shift[j] > second { second = shift[j] }
        }
        return (0..<k).map { j in
            let bound = j == firstIndex ? max(second, 0) : first
            return Float(bound * (1 + 1e-6)).nextUp
        }
    }

    /// For each centre j, a lower bound on half the distance to its nearest other centre (+∞ when k = 1).
    static func halfGaps(_ centers: Matrix) -> [Float] {
        centerGaps(centers, perBlock: false).half
    }

    /// `half` as ``halfGaps(_:)``; with `perBlock`, `blocks[j · B + b]` (B = blocks of 16 centres) is a lower bound
    /// on the distance from centre j to every other centre of block b (0 for j's own block, +∞ when it has none).
    static func centerGaps(_ centers: Matrix, perBlock: Bool) -> (half: [Float], blocks: [Float]) {
        let k = centers.rows, d = centers.columns
        let blockCount = (k + 15) / 16
        guard k > 1 else { return ([Float](repeating: .infinity, count: k), []) }
        let squared = DistanceKernels.allDistances(points: centers, centers: centers, threads: 1)
        var norms = [Float](repeating: 0, count: k)
        for j in 0..<k {
            var s: Float = 0
            for t in 0..<d { s += centers[j, t] * centers[j, t] }
            norms[j] = s
        }
        // Float32 error of ‖a‖² − 2⟨a,b⟩ + ‖b‖² is below this multiple of ‖a‖² + ‖b‖².
        let slack = 16 * Float(d + 2) * Float.ulpOfOne / 2
        var blocks = [Float](repeating: .infinity, count: perBlock ? k * blockCount : 0)
        let half = (0..<k).map { j in
            var nearest = Float.infinity
            for other in 0..<k where other != j {
                let bound = max(squared[j, other] - slack * (norms[j] + norms[other]), 0)
                nearest = min(nearest, bound)
                if perBlock { blocks[j * blockCount + other / 16] = min(blocks[j * blockCount + other / 16], bound) }
            }
            return 0.5 * nearest.squareRoot() * (1 - 1e-6)
        }
        if perBlock {
            for j in 0..<k {
                for b in 0..<blockCount { blocks[j * blockCount + b] = blocks[j * blockCount + b].squareRoot() * (1 - 1e-6) }
                blocks[j * blockCount + j / 16] = 0
            }
        }
        return (half, blocks)
    }
}
