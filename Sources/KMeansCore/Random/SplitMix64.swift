/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast, explicitly seeded generator.
///
/// The library's one general-purpose RNG for everything that is not one of TensorFlow's own random ops: shuffling
/// input batches, sampling mini-batches in the workbench, generating sample and benchmark data. The same seed gives
/// the same sequence on every machine. (TF's ops use `PhiloxRandom`, bit for bit.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
