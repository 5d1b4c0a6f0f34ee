/// The random choices of TF's init op, delegated to the bit-exact RNG kernels in `Random/`.
///
/// TEMPORARY until the RNG branch lands: random and k-means++ initialization throw; explicit and callable
/// initialization work.
enum InitialSampling {
    /// RANDOM_INIT (spec §2.2): the whole batch when it has ≤ `remaining` rows, else `remaining` rows drawn
    /// uniformly with replacement by TF's `RandomUniformInt` (first call in a session).
    static func random(batch: Matrix, remaining: Int, seed: Int64) throws -> Matrix {
        if batch.rows <= remaining { return batch }
        throw KMeansError.initializationFailed("random initialization needs the RNG module, not merged yet")
    }

    /// KMEANS_PLUS_PLUS_INIT (spec §2.3): TF's kernel with retries on `points` (already normalised for cosine).
    static func kmeansPlusPlus(points: Matrix, count: Int, seed: Int64, retries: Int) throws -> Matrix {
        throw KMeansError.initializationFailed("k-means++ initialization needs the RNG module, not merged yet")
    }
}
