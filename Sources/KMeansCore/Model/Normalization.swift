extension Matrix {
    /// Each row scaled to unit l2 norm as TF's `l2_normalize`: `x · 1/√max(Σx², 1e-12)`; zero rows stay zero.
    public func l2NormalizedRows() -> Matrix {
        var out = self
        let d = columns
        guard d > 0 else { return out }
        out.withUnsafeMutableValues { buffer in
            for i in 0..<rows {
                var sumOfSquares: Float = 0
                for t in 0..<d { let x = buffer[i * d + t]; sumOfSquares += x * x }
                let scale = 1 / max(sumOfSquares, 1e-12).squareRoot()
                for t in 0..<d { buffer[i * d + t] *= scale }
            }
        }
        return out
    }
}

extension Matrix {
    /// Index (into `values`) of the first NaN or infinity, or nil when every value is finite.
    func firstNonFiniteIndex() -> Int? {
        values.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            let count = buffer.count
            // Large inputs are checked in fixed slices on all cores (the scan is a full read of memory); the first
            // non-finite value is the lowest index any slice reports.
            let slices = count >= 1 << 20 ? min(16, max(1, DistanceKernels.defaultThreadCount) * 4) : 1
            if slices == 1 { return Self.firstNonFinite(base, 0..<count) }
            var found = [Int](repeating: Int.max, count: slices)
            found.withUnsafeMutableBufferPointer { results in
                let shared = SharedPointer(results.baseAddress)
                let source = SharedPointer(base)
                Parallel.forEach(slices) { s in
                    let range = (count * s / slices)..<(count * (s + 1) / slices)
                    shared.pointer![s] = Self.firstNonFinite(source.readOnly!, range) ?? Int.max
                }
            }
            let first = found.min() ?? Int.max
            return first == Int.max ? nil : first
        }
    }

    /// The first index in `range` whose value is NaN or infinite.
    private static func firstNonFinite(_ base: UnsafePointer<Float>, _ range: Range<Int>) -> Int? {
        let raw = UnsafeRawPointer(base)
        let stride = MemoryLayout<Float>.stride
        var start = range.lowerBound
        // x − x is 0 for finite x and NaN otherwise: a whole block of 64 values is cleared with 4 vector checks.
        while start + 64 <= range.upperBound {
            var flags = SIMD16<Float>()
            for u in 0..<4 {
                let v = raw.loadUnaligned(fromByteOffset: (start + 16 * u) * stride, as: SIMD16<Float>.self)
                flags += v - v
            }
            if flags != SIMD16<Float>() { break }
            start += 64
        }
        for i in start..<range.upperBound where !base[i].isFinite { return i }
        return nil
    }
}
