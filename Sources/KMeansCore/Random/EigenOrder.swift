// The float32 summation orders of the Eigen expressions TF evaluates in its k-means++ kernel.

/// Float32 reduction orders of the Eigen code TF runs (AVX build: 8-float packets, SSE 4-float half packets).
enum EigenOrder {
    /// Eigen's `predux` of an 8-float packet: add the two 4-lane halves, then `(l0 + l2) + (l1 + l3)`.
    @inline(__always)
    static func reduce(_ packet: SIMD8<Float>) -> Float {
        reduce(packet.lowHalf + packet.highHalf)
    }

    /// Eigen's SSE `predux` of a 4-float packet: `(l0 + l2) + (l1 + l3)`.
    @inline(__always)
    static func reduce(_ packet: SIMD4<Float>) -> Float {
        (packet[0] + packet[2]) + (packet[1] + packet[3])
    }

    /// `VectorXf::sum()` (Eigen `redux_impl`, linear vectorised traversal from an aligned start): fewer than 8
    /// values add left to right; otherwise two packet accumulators over 16-value strides, merged, one more packet
    /// if 8 values remain, reduced, then the tail left to right.
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        sumOf(count: count) { load8(values, $0) } scalar: { values[$0] }
    }

    /// `row.squaredNorm()` in the same order as ``sum(_:count:)``, over the squares.
    static func sumOfSquares(_ values: UnsafePointer<Float>, count: Int) -> Float {
        sumOf(count: count) { let v = load8(values, $0); return v * v } scalar: { values[$0] * values[$0] }
    }

    @inline(__always)
    private static func sumOf(
        count: Int, packet: (Int) -> SIMD8<Float>, scalar: (Int) -> Float
    ) -> Float {
        guard count > 0 else { return 0 }
        let alignedSize = count / 8 * 8
        guard alignedSize > 0 else {
            var result = scalar(0)
            for index in 1..<count { result += scalar(index) }
            return result
        }
        let alignedSize2 = count / 16 * 16
        var accumulator0 = packet(0)
        if alignedSize > 8 {
            var accumulator1 = packet(8)
            var index = 16
            while index < alignedSize2 {
                accumulator0 += packet(index)
                accumulator1 += packet(index + 8)
                index += 16
            }
            accumulator0 += accumulator1
            if alignedSize > alignedSize2 { accumulator0 += packet(alignedSize2) }
        }
        var result = reduce(accumulator0)
        for index in alignedSize..<count { result += scalar(index) }
        return result
    }

    /// One row's dot product in Eigen's row-major GEMV order: 8-lane accumulators (multiply, then add), reduced;
    /// on the odd last row also 4-lane half packets, reduced and added; then the remaining columns one by one.
    @inline(__always)
    static func gemvRowDot(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int, halfPackets: Bool
    ) -> Float {
        var j = 0
        var result: Float = 0
        if count >= 8 {
            var accumulator = SIMD8<Float>.zero
            while j + 8 <= count {
                accumulator = load8(x, j) * load8(y, j) + accumulator
                j += 8
            }
            result = reduce(accumulator)
        }
        if halfPackets, j + 4 <= count {
            var accumulator = SIMD4<Float>.zero
            while j + 4 <= count {
                accumulator = load4(x, j) * load4(y, j) + accumulator
                j += 4
            }
            result += reduce(accumulator)
        }
        while j < count {
            result += x[j] * y[j]
            j += 1
        }
        return result
    }

    @inline(__always)
    private static func load8(_ base: UnsafePointer<Float>, _ index: Int) -> SIMD8<Float> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load4(_ base: UnsafePointer<Float>, _ index: Int) -> SIMD4<Float> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD4<Float>.self)
    }
}
