/// TensorFlow's stateful `RandomUniformInt` op for `int64` with `minval = 0`, as `RANDOM_INIT` uses it to pick
/// initial centres (`clustering_ops.py` → `random_ops.random_uniform(..., dtype=int64, seed=S)`, kernel
/// `RandomUniformIntOp` over `GuardedPhiloxRandom` and `UniformDistribution<PhiloxRandom, int64>`).
///
/// Output `i` of an invocation uses Philox block `⌊i/2⌋` of a ``PhiloxRandom`` built from `(seed, seed2)`; its
/// lanes `2·(i mod 2)` and `+1` form a 64-bit value (low lane first) that is reduced with a plain modulo — no
/// rejection, so the tiny modulo bias of TF is kept. Draws are with replacement.
public enum RandomUniformInt64 {
    /// Philox blocks TF reserves per output of one op invocation (`ReserveRandomOutputs(count, 256)`).
    public static let blocksReservedPerOutput: UInt64 = 256

    /// The first invocation of the op in a session: `count` integers in `0..<maxval`.
    ///
    /// `(seed, seed2)` are used literally; TF would replace the pair `(0, 0)` by fresh nondeterministic seeds,
    /// which ``TFSeeds`` never produces. `maxval` must be positive and `count` non-negative (programmer errors).
    public static func sample(count: Int, maxval: Int64, seed: Int64, seed2: Int64) -> [Int64] {
        sample(count: count, maxval: maxval, seed: seed, seed2: seed2, invocation: 0)
    }

    /// The `invocation`-th (0-based) run of the same op in one session. Every earlier run of the op with the
    /// same `count` advanced the op's generator by `count × 256` blocks (TF's `ReserveSamples128`).
    public static func sample(count: Int, maxval: Int64, seed: Int64, seed2: Int64, invocation: Int) -> [Int64] {
        precondition(count >= 0, "RandomUniformInt64: negative count \(count)")
        precondition(maxval > 0, "RandomUniformInt64: need 0 < maxval, got maxval = \(maxval)")
        precondition(invocation >= 0, "RandomUniformInt64: negative invocation \(invocation)")
        var generator = PhiloxRandom(seedLo: UInt64(bitPattern: seed), seedHi: UInt64(bitPattern: seed2))
        generator.skip(blocks: UInt64(invocation) &* UInt64(count) &* blocksReservedPerOutput)
        let range = UInt64(maxval)
        var result: [Int64] = []
        result.reserveCapacity(count)
        var block = SIMD4<UInt32>.zero
        for i in 0..<count {
            if i % 2 == 0 { block = generator.nextBlock() }
            let lane = 2 * (i % 2)
            let bits = UInt64(block[lane]) | UInt64(block[lane + 1]) << 32
            result.append(Int64(bits % range))
        }
        return result
    }
}
