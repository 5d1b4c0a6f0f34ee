/// The seeds TensorFlow's K-Means actually feeds to its random kernels, derived from one graph-level seed.
///
/// Mirrors `random_seed.get_seed` as used by `clustering_ops.KMeans` (spec §2.6): the estimator's
/// `RunConfig.tf_random_seed` `G` becomes the graph seed; `KMeans.__init__` keeps `get_seed(seed)[0]`, i.e.
/// `G mod (2³¹ − 1)`, whatever the constructor's `seed` was. `RANDOM_INIT` then calls `random_uniform` with that
/// value as the op seed, so its Philox pair is `(G′, G′)` — except that `get_seed` maps `(0, 0)` to
/// `(0, 2³¹ − 1)`.
///
/// When TF has no `tf_random_seed` but the constructor got a seed, the effective graph seed is
/// ``tfDefaultGraphSeed`` (87654321); pass that as `randomSeed` to reproduce such runs.
public struct TFSeeds: Sendable, Equatable {
    /// TF's `_MAXINT32`, the modulus `get_seed` truncates seeds with: 2³¹ − 1.
    public static let seedModulus: Int64 = 2_147_483_647
    /// TF's `DEFAULT_GRAPH_SEED`, what a constructor seed without a `tf_random_seed` amounts to.
    public static let tfDefaultGraphSeed: Int64 = 87_654_321

    /// Seed of the `KmeansPlusPlusInitialization` kernel (`S`, §2.3).
    public let kmeansPlusPlusSeed: Int64
    /// `seed` attribute of the `RANDOM_INIT` `RandomUniformInt` op (first word of its Philox pair).
    public let randomInitSeed: Int64
    /// `seed2` attribute of the `RANDOM_INIT` `RandomUniformInt` op (second word of its Philox pair).
    public let randomInitSeed2: Int64

    /// The seeds TF derives from `randomSeed` used as `RunConfig.tf_random_seed` (Python `%`, so negative
    /// seeds wrap to non-negative values, as in TF).
    public init(randomSeed: Int64) {
        let truncated = ((randomSeed % Self.seedModulus) + Self.seedModulus) % Self.seedModulus
        kmeansPlusPlusSeed = truncated
        randomInitSeed = truncated
        randomInitSeed2 = truncated == 0 ? Self.seedModulus : truncated
    }
}
