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
            let raw = UnsafeRawPointer(base)
            let stride = MemoryLayout<Float>.stride
            var start = 0
            // x − x is 0 for finite x and NaN otherwise: a whole block of 64 values is cleared with 4 vector checks.
            while start + 64 <= buffer.count {
                var flags = SIMD16<Float>()
                for u in 0..<4 {
                    let v = raw.loadUnaligned(fromByteOffset: (start + 16 * u) * stride, as: SIMD16<Float>.self)
                    flags += v - v
                }
                if flags != SIMD16<Float>() { break }
                start += 64
            }
            for i in start..<buffer.count where !buffer[i].isFinite { return i }
            return nil
        }
    }
}
