// How a pass is split into point ranges that depend only on n, and run over them on the cores.

extension DistanceKernels {
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
        let resultSlots = SharedPointer(results)
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            let base = SharedPointer(scratchBuffer.baseAddress)
            // Each partition writes only its own outputs, so which worker ran it does not matter.
            Parallel.forEach(ranges.count, threads: threads) { p in
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
