/// The Philox4x32-10 counter-based generator, bit-compatible with TensorFlow's `tsl::random::PhiloxRandom`
/// (`tsl/lib/random/philox_random.h`).
///
/// The state is a 64-bit key and a 128-bit counter. Each call of ``nextBlock()`` encrypts the counter with ten
/// Philox rounds (the key raised between rounds) and then increments the counter by one, so block `b` of a stream
/// depends only on the key and the initial counter plus `b`.
public struct PhiloxRandom: Sendable, Equatable {
    /// Key words `(k0, k1)`: the low and high halves of the seed.
    public private(set) var key: SIMD2<UInt32>
    /// Counter words `(c0, c1, c2, c3)`, least significant first.
    public private(set) var counter: SIMD4<UInt32>

    private static let multiplierA: UInt32 = 0xD251_1F53
    private static let multiplierB: UInt32 = 0xCD9E_8D57
    private static let weylA: UInt32 = 0x9E37_79B9
    private static let weylB: UInt32 = 0xBB67_AE85

    /// A generator with key = `seed` (low word first) and counter 0, as TF's `PhiloxRandom(uint64 seed)`.
    ///
    /// This is the constructor TF's `KmeansPlusPlusInitialization` kernel uses.
    public init(seed: UInt64) {
        key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        counter = .zero
    }

    /// A generator with key = `seedLo` and counter = `(0, 0, lo32(seedHi), hi32(seedHi))`, as TF's
    /// `PhiloxRandom(uint64 seed_lo, uint64 seed_hi)`.
    ///
    /// This is what TF's stateful random ops (`GuardedPhiloxRandom::Init(seed, seed2)`) build from an op's
    /// `(seed, seed2)` pair.
    public init(seedLo: UInt64, seedHi: UInt64) {
        key = SIMD2(UInt32(truncatingIfNeeded: seedLo), UInt32(truncatingIfNeeded: seedLo >> 32))
        counter = SIMD4(0, 0, UInt32(truncatingIfNeeded: seedHi), UInt32(truncatingIfNeeded: seedHi >> 32))
    }

    /// Returns the next block of four 32-bit outputs and advances the counter by one.
    public mutating func nextBlock() -> SIMD4<UInt32> {
        var block = counter
        var roundKey = key
        for round in 0..<10 {
            block = Self.singleRound(block, roundKey)
            if round < 9 {
                roundKey &+= SIMD2(Self.weylA, Self.weylB)
            }
        }
        skip(blocks: 1)
        return block
    }

    /// Advances the counter by `blocks` without computing them (TF's `PhiloxRandom::Skip`).
    public mutating func skip(blocks: UInt64) {
        let countLo = UInt32(truncatingIfNeeded: blocks)
        var countHi = UInt32(truncatingIfNeeded: blocks >> 32)
        counter[0] &+= countLo
        if counter[0] < countLo { countHi &+= 1 }
        counter[1] &+= countHi
        if counter[1] < countHi {
            counter[2] &+= 1
            if counter[2] == 0 { counter[3] &+= 1 }
        }
    }

    @inline(__always)
    private static func singleRound(_ c: SIMD4<UInt32>, _ k: SIMD2<UInt32>) -> SIMD4<UInt32> {
        let product0 = UInt64(multiplierA) &* UInt64(c[0])
        let product1 = UInt64(multiplierB) &* UInt64(c[2])
        let hi0 = UInt32(truncatingIfNeeded: product0 >> 32), lo0 = UInt32(truncatingIfNeeded: product0)
        let hi1 = UInt32(truncatingIfNeeded: product1 >> 32), lo1 = UInt32(truncatingIfNeeded: product1)
        return SIMD4(hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0)
    }
}
