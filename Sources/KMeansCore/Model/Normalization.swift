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
