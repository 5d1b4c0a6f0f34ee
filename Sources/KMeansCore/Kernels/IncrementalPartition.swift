import CKMeansKernels

/// One partition's share of an ``IncrementalState`` pass, run by `kmk_incremental_pass`: the bound test per point,
/// the search of the rows that fail it (the Lloyd kernel's index and the second-best centre from one call), and
/// this partition's changes to the float64 sums, squares and counts.
struct IncrementalPartition {
    private let shared: IncrementalPassPointers
    private let centers: PackedCenters.Pointers
    private let bounds: PassBounds
    private let d: Int
    private let k: Int
    /// This partition's block: k·d sums, then k sums of ‖x‖², then k counts.
    private let deltaOffset: Int
    private let instructionSet: KernelInstructionSet

    init(shared: IncrementalPassPointers, centers: PackedCenters.Pointers, bounds: PassBounds, d: Int, k: Int,
         deltaOffset: Int, instructionSet: KernelInstructionSet) {
        self.shared = shared
        self.centers = centers
        self.bounds = bounds
        self.d = d
        self.k = k
        self.deltaOffset = deltaOffset
        self.instructionSet = instructionSet
    }

    /// Runs the partition's rows; returns (rows read, rows searched).
    func run(_ range: Range<Int>) -> (read: Int, searched: Int) {
        let start = range.lowerBound
        var read: Int64 = 0
        let searched = bounds.drift.upper.withUnsafeBufferPointer { driftUpper in
            bounds.drift.lower.withUnsafeBufferPointer { driftLower in
                bounds.halfGap.withUnsafeBufferPointer { halfGap in
                    bounds.centerNorm.withUnsafeBufferPointer { centerNorm in
                        kmk_incremental_pass(
                            instructionSet.rawValue, shared.points.readOnly! + start * d, Int64(range.count), Int64(d), centers.centers,
                            centers.packed, centers.halfNorms, Int64(k), driftUpper.baseAddress,
                            driftLower.baseAddress, halfGap.baseAddress, centerNorm.baseAddress,
                            Double(bounds.maximumNormSquared), Double(bounds.partSlack), bounds.firstPass ? 1 : 0,
                            shared.indices.pointer! + start, shared.upper.pointer! + start,
                            shared.lower.pointer! + start, shared.deltas.pointer! + deltaOffset, &read)
                    }
                }
            }
        }
        precondition(searched >= 0, "kmk_incremental_pass could not allocate its scratch rows")
        return (Int(read), Int(searched))
    }
}
