/// TensorFlow's `tsl::random::SimplePhilox` (`tsl/lib/random/simple_philox.h`): single 32-bit draws taken lane
/// by lane from successive ``PhiloxRandom`` blocks, plus the derived 64-bit, float and bounded-integer samples.
///
/// A fresh instance consumes the first block on its first draw and returns lanes `u0, u1, u2, u3` in order.
public struct SimplePhilox: Sendable {
    private var generator: PhiloxRandom
    private var block: SIMD4<UInt32> = .zero
    private var nextLane = 4

    /// Wraps `generator`; draws start with its next block.
    public init(_ generator: PhiloxRandom) {
        self.generator = generator
    }

    /// The next 32 random bits (TF's `Rand32`).
    @inline(__always)
    public mutating func rand32() -> UInt32 {
        if nextLane == 4 {
            block = generator.nextBlock()
            nextLane = 0
        }
        defer { nextLane += 1 }
        return block[nextLane]
    }

    /// The next 64 random bits, low word drawn first (TF's `Rand64`).
    public mutating func rand64() -> UInt64 {
        let lo = UInt64(rand32())
        let hi = UInt64(rand32())
        return lo | hi << 32
    }

    /// A float in [0, 1) with 23 random mantissa bits (TF's `RandFloat` / `Uint32ToFloat`): the low 23 bits of
    /// one draw placed in the mantissa of a number in [1, 2), minus 1.
    public mutating func randFloat() -> Float {
        let bits: UInt32 = (127 << 23) | (rand32() & 0x7F_FFFF)
        return Float(bitPattern: bits) - 1.0
    }

    /// A uniform integer in `0..<n` without modulo bias (TF's `Uniform64`, i.e. `ExactUniformInt<uint64>`).
    ///
    /// Powers of two mask one ``rand64()``; other `n` redraw while the draw falls below `(2⁶⁴ − 1) % n + 1`
    /// and return the draw modulo `n`. `n` = 0 returns a raw 64-bit draw, as TF's code does.
    public mutating func uniform64(_ n: UInt64) -> UInt64 {
        if n & (n &- 1) == 0 {
            return rand64() & (n &- 1)
        }
        let rejectBelow = UInt64.max % n + 1
        var draw = rand64()
        while draw < rejectBelow {
            draw = rand64()
        }
        return draw % n
    }
}
