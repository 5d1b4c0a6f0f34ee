// A Lloyd pass over rows that are not in memory: the caller loads them chunk by chunk (from a file, at the edge),
// and the per-cluster sums, counts and loss come out with the bits of the in-memory pass over the same rows.
import CKMeansKernels

/// Per-cluster sums and counts and the loss of one Lloyd pass over streamed rows.
public struct StreamedPassTotals: Sendable, Equatable {
    /// Per-cluster sum of assigned points, `k × d`.
    public var sums: [Float]
    /// Per-cluster number of assigned points.
    public var counts: [Float]
    /// The sum of TF's per-point distances in ``DistanceKernels/lossSum(of:)``'s order.
    public var loss: Float
}

/// Loads rows `range` of the data (row-major float32, `range.count × d` values) into `buffer`, which holds exactly
/// that many values. Called from worker threads, for disjoint ranges.
public typealias StreamedRowLoader = @Sendable (_ range: Range<Int>, _ buffer: UnsafeMutableBufferPointer<Float>) throws -> Void

extension DistanceKernels {
    /// Bytes a streamed pass holds per row of a chunk in flight: the row, a normalised copy (cosine), and its
    /// index and distance.
    public static func streamedBytesPerRow(columns: Int) -> Int { columns * 4 * 2 + 8 }

    /// The largest chunk of rows worth reading at once: every chunk is a fresh allocation, so larger ones only add
    /// page faults (a 64 MiB chunk ran a step at a quarter of the speed of 4 MiB ones; docs/BENCHMARKS.md).
    public static let streamedLargestChunkBytes = 4 << 20

    /// Rows per chunk for which `threads` chunks in flight stay within `budgetBytes`, at most
    /// ``streamedLargestChunkBytes`` of rows; 0 when not even one row per thread fits.
    public static func streamedChunkRows(budgetBytes: Int, columns: Int, threads: Int) -> Int {
        let fitting = max(0, budgetBytes) / max(1, threads) / streamedBytesPerRow(columns: max(1, columns))
        return min(fitting, max(1, streamedLargestChunkBytes / (max(1, columns) * 4)))
    }

    /// A Lloyd pass over `rows` rows of `columns` features that `load` supplies at most `chunkRows` rows at a time,
    /// with the same sums, counts and loss (bit for bit) as ``lloydPass(points:centers:accumulate:threads:computeDistances:computeLoss:computeIndices:instructionSet:into:)``
    /// over those rows in memory. `prepare` sees each chunk once loaded (to validate or normalise it; its first
    /// argument is the chunk's first row). At most `threads` chunks are in memory at once.
    public static func streamedLloydPass(
        rows n: Int, columns d: Int, centers: Matrix, chunkRows: Int, threads: Int?,
        instructionSet: KernelInstructionSet = .automatic,
        load: StreamedRowLoader,
        prepare: @Sendable (Int, inout Matrix) throws -> Void = { _, _ in }
    ) throws -> StreamedPassTotals {
        let k = centers.rows
        precondition(d == centers.columns, "dimension mismatch: points have \(d) columns, centres \(centers.columns)")
        precondition(k > 0 && chunkRows > 0, "a streamed pass needs centres and a positive chunk size")
        let ranges = partitions(of: n)
        let lanes = ranges.count > 1
        let stride = k * d + k
        // One slot per partition: its sums and counts, then (in the results) its loss or error.
        var partials = [Float](repeating: 0, count: stride * ranges.count)
        let packed = PackedCenters(centers)
        let outcomes = UnsafeMutablePointer<Result<Float, any Error>>.allocate(capacity: ranges.count)
        defer {
            outcomes.deinitialize(count: ranges.count)
            outcomes.deallocate()
        }
        let outcomeSlots = SharedPointer(outcomes)
        packed.withPointers { centerPointers in
            partials.withUnsafeMutableBufferPointer { partialBuffer in
                let base = SharedPointer(partialBuffer.baseAddress)
                Parallel.forEach(ranges.count, threads: threads) { p in
                    let slot = base.pointer! + p * stride
                    let outcome = Result<Float, any Error> {
                        try streamPartition(ranges[p], d: d, k: k, chunkRows: chunkRows, lanes: lanes,
                                            centers: centerPointers, instructionSet: instructionSet,
                                            sums: slot, counts: slot + k * d, load: load, prepare: prepare)
                    }
                    (outcomeSlots.pointer! + p).initialize(to: outcome)
                }
            }
        }
        // Merged as the in-memory pass does: partition 0's sums, then each other partition's added in order.
        var sums = Array(partials[0..<(k * d)]), counts = Array(partials[(k * d)..<stride])
        var losses: [Float] = []
        for p in 0..<ranges.count {
            losses.append(try outcomes[p].get())
            guard p > 0 else { continue }
            let offset = p * stride
            for i in 0..<(k * d) { sums[i] += partials[offset + i] }
            for j in 0..<k { counts[j] += partials[offset + k * d + j] }
        }
        return StreamedPassTotals(sums: sums, counts: counts, loss: mergedLoss(losses))
    }

    /// One partition, chunk after chunk into the same sums and counts (the kernel adds rows in row order, so the
    /// split does not change them); the loss summed as the kernel sums a partition (16 lanes by offset, or in order).
    private static func streamPartition(
        _ range: Range<Int>, d: Int, k: Int, chunkRows: Int, lanes: Bool, centers: PackedCenters.Pointers,
        instructionSet: KernelInstructionSet, sums: UnsafeMutablePointer<Float>, counts: UnsafeMutablePointer<Float>,
        load: StreamedRowLoader, prepare: (Int, inout Matrix) throws -> Void
    ) throws -> Float {
        var laneSums = SIMD16<Float>()
        var sequential: Float = 0
        var start = range.lowerBound
        var indices = [Int32](repeating: 0, count: min(chunkRows, range.count))
        var distances = [Float](repeating: 0, count: indices.count)
        while start < range.upperBound {
            let end = min(range.upperBound, start + chunkRows)
            var values = [Float](repeating: 0, count: (end - start) * d)
            try values.withUnsafeMutableBufferPointer { try load(start..<end, $0) }
            var chunk = Matrix(rows: end - start, columns: d, values: values)
            values = []
            try prepare(start, &chunk)
            chunk.values.withUnsafeBufferPointer { x in
                indices.withUnsafeMutableBufferPointer { idx in
                    distances.withUnsafeMutableBufferPointer { dist in
                        kmk_assign(instructionSet.rawValue, x.baseAddress, Int64(end - start), Int64(d),
                                   centers.centers, centers.packed, centers.halfNorms, Int64(k),
                                   idx.baseAddress, dist.baseAddress, sums, counts, nil, 0)
                    }
                }
            }
            for i in 0..<(end - start) {
                if lanes { laneSums[(start - range.lowerBound + i) % 16] += distances[i] } else { sequential += distances[i] }
            }
            start = end
        }
        return lanes ? DistanceKernels.foldLanes(laneSums) : sequential
    }
}
