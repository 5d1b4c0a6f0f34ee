/// The random choices of TF's init op, delegated to the bit-exact RNG kernels in `Random/`.
enum InitialSampling {
    /// RANDOM_INIT (spec §2.2): the whole batch when it has ≤ `remaining` rows, else `remaining` rows drawn
    /// uniformly with replacement by TF's `RandomUniformInt` (first call in a session).
    static func random(batch: Matrix, remaining: Int, seed: Int64) throws -> Matrix {
        if batch.rows <= remaining { return batch }
        return batch.gathering(rows: randomRows(rows: batch.rows, remaining: remaining, seed: seed))
    }

    /// The rows RANDOM_INIT takes from a batch of `rows` rows: all of them when `rows` ≤ `remaining`, else the
    /// `remaining` indices TF's `RandomUniformInt` draws.
    static func randomRows(rows: Int, remaining: Int, seed: Int64) -> [Int] {
        if rows <= remaining { return Array(0..<rows) }
        let seeds = TFSeeds(randomSeed: seed)
        return RandomUniformInt64.sample(
            count: remaining, maxval: Int64(rows), seed: seeds.randomInitSeed, seed2: seeds.randomInitSeed2).map { Int($0) }
    }

    /// KMEANS_PLUS_PLUS_INIT (spec §2.3): TF's kernel with retries on `points` (already normalised for cosine).
    /// Throws ``KMeansError/cancelled`` when `isCancelled` returns true between two centres.
    static func kmeansPlusPlus(points: Matrix, count: Int, seed: Int64, retries: Int,
                               isCancelled: (@Sendable () -> Bool)? = nil) throws -> Matrix {
        let seeds = TFSeeds(randomSeed: seed)
        let indices: [Int]
        do {
            indices = try KMeansPlusPlus.sampleIndices(
                points: points, count: count, seed: seeds.kmeansPlusPlusSeed, retriesPerSample: retries, isCancelled: isCancelled)
        } catch KMeansPlusPlusError.cancelled {
            throw KMeansError.cancelled
        }
        return points.gathering(rows: indices)
    }
}
