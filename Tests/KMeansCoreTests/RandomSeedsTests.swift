import Testing
@testable import KMeansCore

@Suite("TFSeeds: what reaches TF's RNGs (spec §2.6)")
struct RandomSeedsTests {
    @Test("truncation mod 2^31 - 1 and the G = 0 special case")
    func derivation() {
        #expect(TFSeeds(randomSeed: 1) == seeds(1, 1, 1))
        #expect(TFSeeds(randomSeed: 42) == seeds(42, 42, 42))
        #expect(TFSeeds(randomSeed: 0) == seeds(0, 0, 2_147_483_647))
        #expect(TFSeeds(randomSeed: 2_147_483_647) == seeds(0, 0, 2_147_483_647))
        #expect(TFSeeds(randomSeed: 2_147_483_648) == seeds(1, 1, 1))
        // Python's % is non-negative for a positive modulus.
        #expect(TFSeeds(randomSeed: -1) == seeds(2_147_483_646, 2_147_483_646, 2_147_483_646))
        #expect(TFSeeds(randomSeed: .min).kmeansPlusPlusSeed >= 0)
        #expect(TFSeeds(randomSeed: TFSeeds.tfDefaultGraphSeed) == seeds(87_654_321, 87_654_321, 87_654_321))
    }

    @Test("every seeded row of edge_cases.json's seed table is reproduced from its effective seed")
    func seedTable() throws {
        let rows = try RandomFixtures.edgeCases().seed_handling
        let points = try RandomFixtures.points100()
        var checked = 0
        for row in rows {
            guard let effective = row.effective_seed, let centers = row.initial_centers else { continue }
            // Spec §2.6: G when tf_random_seed is set, else DEFAULT_GRAPH_SEED when the constructor seed is set.
            let graphSeed = row.config_tf_random_seed ?? TFSeeds.tfDefaultGraphSeed
            #expect(graphSeed == effective)
            let seeds = TFSeeds(randomSeed: graphSeed)
            let expected = RandomFixtures.matrix(centers)
            let k = expected.rows
            let chosen: Matrix
            switch row.initial_clusters {
            case "random":
                let indices = RandomUniformInt64.sample(
                    count: k, maxval: Int64(points.rows), seed: seeds.randomInitSeed, seed2: seeds.randomInitSeed2)
                chosen = points.gathering(rows: indices.map { Int($0) })
            case "kmeans_plus_plus":
                chosen = try KMeansPlusPlus.sampleCenters(
                    points: points, count: k, seed: seeds.kmeansPlusPlusSeed, retriesPerSample: 2)
            default:
                Issue.record("unexpected initial_clusters \(row.initial_clusters)")
                continue
            }
            #expect(chosen == expected, "\(row.initial_clusters) G=\(String(describing: row.config_tf_random_seed)) seed=\(String(describing: row.constructor_seed))")
            checked += 1
        }
        #expect(checked == 12)
    }

    @Test("full_batch_kmeanspp: tf_random_seed = 42, default retries 2, k = 5 picks rows [3, 21, 62, 58, 9]")
    func kmeansPlusPlusWithGraphSeed42() throws {
        let seeds = TFSeeds(randomSeed: 42)
        let indices = try KMeansPlusPlus.sampleIndices(
            points: try RandomFixtures.points100(), count: 5, seed: seeds.kmeansPlusPlusSeed, retriesPerSample: 2)
        #expect(indices == [3, 21, 62, 58, 9])
    }

    @Test("random init with batches smaller than k: whole batches, then one Philox draw on the third batch")
    func batchSmallerThanK() throws {
        let expected = RandomFixtures.matrix(try RandomFixtures.edgeCases().random_init_batch_smaller_than_k.initial_centers)
        let points = try RandomFixtures.points100()
        let seeds = TFSeeds(randomSeed: 7)
        let third = RandomUniformInt64.sample(
            count: 1, maxval: 2, seed: seeds.randomInitSeed, seed2: seeds.randomInitSeed2)
        let chosen = points.rows(0..<4).appending(rows: points.rows(4..<6).gathering(rows: third.map { Int($0) }))
        #expect(chosen == expected)
    }

    private func seeds(_ kmeansPlusPlus: Int64, _ seed: Int64, _ seed2: Int64) -> Expected {
        Expected(kmeansPlusPlusSeed: kmeansPlusPlus, randomInitSeed: seed, randomInitSeed2: seed2)
    }

    struct Expected: Equatable {
        let kmeansPlusPlusSeed: Int64, randomInitSeed: Int64, randomInitSeed2: Int64
        static func == (lhs: TFSeeds, rhs: Expected) -> Bool {
            lhs.kmeansPlusPlusSeed == rhs.kmeansPlusPlusSeed && lhs.randomInitSeed == rhs.randomInitSeed
                && lhs.randomInitSeed2 == rhs.randomInitSeed2
        }
    }
}
