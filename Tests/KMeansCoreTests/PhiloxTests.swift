import Testing
@testable import KMeansCore

@Suite("Philox4x32-10 and SimplePhilox against TF 2.15")
struct PhiloxTests {
    @Test("first three blocks for every fixture key/counter")
    func blocksMatchTF() throws {
        let vectors = try RandomFixtures.kernelVectors()
        #expect(vectors.philox.count == 9)
        for fixture in vectors.philox {
            let args = fixture.PhiloxRandom_ctor_args
            var generator =
                args.count == 1
                ? PhiloxRandom(seed: args[0])
                : PhiloxRandom(seedLo: args[0], seedHi: args[1])
            for (b, expected) in fixture.first_3_blocks_uint32x4.enumerated() {
                let block = generator.nextBlock()
                #expect(block == SIMD4(expected[0], expected[1], expected[2], expected[3]), "args \(args) block \(b)")
            }
        }
    }

    @Test("key and counter layout of both constructors")
    func constructorLayout() {
        let single = PhiloxRandom(seed: 0x1234_5678_9ABC_DEF0)
        #expect(single.key == SIMD2(0x9ABC_DEF0, 0x1234_5678))
        #expect(single.counter == .zero)
        let pair = PhiloxRandom(seedLo: 7, seedHi: 0x0000_0002_0000_0003)
        #expect(pair.key == SIMD2(7, 0))
        #expect(pair.counter == SIMD4(0, 0, 3, 2))
    }

    @Test("skip(blocks:) equals drawing that many blocks, with carries across counter words")
    func skipMatchesDrawing() {
        var drawn = PhiloxRandom(seed: 42)
        for _ in 0..<5 { _ = drawn.nextBlock() }
        var skipped = PhiloxRandom(seed: 42)
        skipped.skip(blocks: 5)
        #expect(skipped == drawn)
        #expect(skipped.nextBlock() == drawn.nextBlock())

        var carry = PhiloxRandom(seedLo: 1, seedHi: 0)
        carry.skip(blocks: 0xFFFF_FFFF)
        #expect(carry.counter == SIMD4(0xFFFF_FFFF, 0, 0, 0))
        carry.skip(blocks: 1)
        #expect(carry.counter == SIMD4(0, 1, 0, 0))
        carry.skip(blocks: 0xFFFF_FFFF_0000_0000)
        #expect(carry.counter == SIMD4(0, 0, 1, 0))
        var wrapAll = PhiloxRandom(seedLo: 1, seedHi: 0xFFFF_FFFF)
        wrapAll.skip(blocks: 0xFFFF_FFFF_FFFF_FFFF)
        wrapAll.skip(blocks: 1)
        #expect(wrapAll.counter == SIMD4(0, 0, 0, 1))
    }

    @Test("RandFloat and Uniform64(100) samples for seed 42")
    func simplePhiloxSamples() throws {
        let fixture = try RandomFixtures.kernelVectors().simple_philox
        var floats = SimplePhilox(PhiloxRandom(seed: fixture.seed))
        for (i, expected) in fixture.RandFloat_x4.enumerated() {
            let value = floats.randFloat()
            #expect(value.bitPattern == Float(expected).bitPattern, "RandFloat #\(i)")
        }
        // The fixture drew the Uniform64 samples from the same generator, after the four floats (one block).
        for (i, expected) in fixture.uniform64.enumerated() {
            #expect(floats.uniform64(100) == expected, "Uniform64 #\(i)")
        }
        var fresh = SimplePhilox(PhiloxRandom(seed: fixture.seed))
        #expect(fresh.uniform64(100) != fixture.uniform64[0], "a fresh generator starts one block earlier")
    }

    @Test("SimplePhilox consumes lanes in order; Rand64 is low word first")
    func laneOrder() {
        var reference = PhiloxRandom(seed: 1)
        let first = reference.nextBlock(), second = reference.nextBlock()
        var rng = SimplePhilox(PhiloxRandom(seed: 1))
        #expect((0..<4).map { _ in rng.rand32() } == [first[0], first[1], first[2], first[3]])
        #expect(rng.rand64() == UInt64(second[0]) | UInt64(second[1]) << 32)
        #expect(rng.rand64() == UInt64(second[2]) | UInt64(second[3]) << 32)
    }

    @Test("RandFloat is the low 23 bits over [1, 2) minus one")
    func randFloatConstruction() {
        var bits = SimplePhilox(PhiloxRandom(seed: 9))
        var floats = SimplePhilox(PhiloxRandom(seed: 9))
        for _ in 0..<64 {
            let raw = bits.rand32()
            let value = floats.randFloat()
            #expect(value == Float(raw & 0x7F_FFFF) / Float(1 << 23))
            #expect(value >= 0 && value < 1)
        }
    }

    @Test("Uniform64: powers of two mask, others reject below (2^64-1) % n + 1")
    func uniform64Rules() {
        var masked = SimplePhilox(PhiloxRandom(seed: 5))
        var raw = SimplePhilox(PhiloxRandom(seed: 5))
        for _ in 0..<32 {
            #expect(masked.uniform64(64) == raw.rand64() & 63)
        }
        // n = 2^63 + 1: rem = 2^63 - 1 ... each raw draw below it is rejected.
        let n: UInt64 = (1 << 63) + 1
        var sampler = SimplePhilox(PhiloxRandom(seed: 11))
        var mirror = SimplePhilox(PhiloxRandom(seed: 11))
        let rejectBelow = UInt64.max % n + 1
        for _ in 0..<16 {
            var draw = mirror.rand64()
            while draw < rejectBelow { draw = mirror.rand64() }
            #expect(sampler.uniform64(n) == draw % n)
        }
    }
}
