import Testing
@testable import KMeansCore

@Suite("RandomUniformInt64 (RANDOM_INIT's op) against TF 2.15")
struct RandomUniformInt64Tests {
    @Test("first and second invocation in one session, all six seed pairs")
    func matchesTF() throws {
        let cases = try RandomFixtures.kernelVectors().random_uniform_int64
        #expect(cases.count == 6)
        for fixture in cases {
            let first = RandomUniformInt64.sample(
                count: fixture.count, maxval: fixture.maxval, seed: fixture.seed, seed2: fixture.seed2)
            #expect(first == fixture.tf_first_call, "seed (\(fixture.seed), \(fixture.seed2))")
            let second = RandomUniformInt64.sample(
                count: fixture.count, maxval: fixture.maxval, seed: fixture.seed, seed2: fixture.seed2,
                invocation: 1)
            #expect(second == fixture.tf_second_call_same_session, "second call, seed (\(fixture.seed), \(fixture.seed2))")
        }
    }

    @Test("docstring example: tf_random_seed = 1, n = 100, k = 5 picks rows [78, 19, 43, 46, 69]")
    func docstringExample() {
        let seeds = TFSeeds(randomSeed: 1)
        let indices = RandomUniformInt64.sample(
            count: 5, maxval: 100, seed: seeds.randomInitSeed, seed2: seeds.randomInitSeed2)
        #expect(indices == [78, 19, 43, 46, 69])
    }

    @Test("output i is block i/2, lanes 2(i mod 2) and +1, plain modulo")
    func blockAndLaneLayout() {
        var generator = PhiloxRandom(seedLo: 3, seedHi: 4)
        var expected: [Int64] = []
        for _ in 0..<3 {
            let block = generator.nextBlock()
            for pair in 0..<2 {
                let bits = UInt64(block[2 * pair]) | UInt64(block[2 * pair + 1]) << 32
                expected.append(Int64(bits % 1_000_003))
            }
        }
        #expect(RandomUniformInt64.sample(count: 6, maxval: 1_000_003, seed: 3, seed2: 4) == expected)
        #expect(RandomUniformInt64.sample(count: 5, maxval: 1_000_003, seed: 3, seed2: 4) == Array(expected.prefix(5)))
        #expect(RandomUniformInt64.sample(count: 0, maxval: 10, seed: 3, seed2: 4).isEmpty)
    }

    @Test("the n-th invocation starts n · count · 256 blocks later")
    func invocationOffset() {
        var generator = PhiloxRandom(seedLo: 8, seedHi: 9)
        generator.skip(blocks: 2 * 3 * 256)
        let block = generator.nextBlock()
        let bits = UInt64(block[0]) | UInt64(block[1]) << 32
        let third = RandomUniformInt64.sample(count: 3, maxval: 97, seed: 8, seed2: 9, invocation: 2)
        #expect(third[0] == Int64(bits % 97))
    }
}
