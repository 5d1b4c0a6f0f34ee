/// How distances between points and centres are measured (TF's `distance_metric`).
public enum DistanceMetric: String, Sendable, CaseIterable, Equatable {
    /// `‖x − c‖²` (TF's `SQUARED_EUCLIDEAN_DISTANCE`).
    case squaredEuclidean = "squared_euclidean"
    /// `1 − cos(x, c)` (TF's `COSINE_DISTANCE`); points and centres are l2-normalised.
    case cosine = "cosine"

    /// Parses TF's string name; throws naming `distanceMetric` for anything else.
    public init(tfName: String) throws {
        guard let metric = DistanceMetric(rawValue: tfName) else {
            throw KMeansError.invalidArgument(argument: "distanceMetric", reason: "Unsupported distance metric '\(tfName)'")
        }
        self = metric
    }
}

/// How the initial centres are chosen (TF's `initial_clusters`).
public enum InitialClusters: Sendable {
    /// Uniform draws with replacement from the first batch large enough (TF's `RANDOM_INIT`); smaller batches are
    /// taken whole until k centres exist.
    case random
    /// k-means++ with retries on the first batch (TF's `KMEANS_PLUS_PLUS_INIT`); the batch must hold ≥ k points.
    case kmeansPlusPlus
    /// These exact centres; their row count overrides `numClusters`.
    case matrix(Matrix)
    /// A function `(batch, remaining) -> 0…remaining rows` called on successive batches until k centres exist.
    case callable(@Sendable (Matrix, Int) throws -> Matrix)

    /// Parses TF's string names `"random"` and `"kmeans_plus_plus"`; throws naming `initialClusters` otherwise.
    public init(tfName: String) throws {
        switch tfName {
        case "random": self = .random
        case "kmeans_plus_plus": self = .kmeansPlusPlus
        default:
            throw KMeansError.invalidArgument(argument: "initialClusters", reason: "Unsupported initialization algorithm '\(tfName)'")
        }
    }

    /// TF's string name for the named strategies, or a description for the others.
    public var name: String {
        switch self {
        case .random: "random"
        case .kmeansPlusPlus: "kmeans_plus_plus"
        case .matrix(let m): "explicit \(m.rows)×\(m.columns) matrix"
        case .callable: "callable"
        }
    }

    /// Whether the initial centres are chosen from the batch (every strategy but an explicit matrix).
    var readsBatch: Bool {
        if case .matrix = self { return false }
        return true
    }
}

/// What a full-batch step does with a cluster that received no point.
public enum EmptyClusterPolicy: String, Sendable, CaseIterable, Equatable {
    /// TF's behaviour: the centre becomes the zero vector (`0 / (0 + 1e-6)`).
    case origin
    /// Move the centre onto the point farthest from its own centre in this batch (each point used at most once).
    case farthestPoint
}

/// Which per-centre learning rate mini-batch steps use.
public enum MiniBatchLearningRate: String, Sendable, CaseIterable, Equatable {
    /// The documented rule `1 / (n + m)`: a running mean (TF's code comment and intent). The default.
    case documented
    /// `1 / (n + 2m)`: what TF 2.15 computes most of the time because of a graph race (spec §5.2).
    case tf215
}

/// The algorithm options of `KMeansClustering` (everything except model dir, run config and feature columns).
public struct KMeansParams: Sendable {
    /// Requested number of clusters k; ignored when `initialClusters` is an explicit matrix.
    public var numClusters: Int
    /// How the initial centres are chosen.
    public var initialClusters: InitialClusters
    /// Squared Euclidean or cosine distance.
    public var distanceMetric: DistanceMetric
    /// Seed of the initialization RNGs; plays TF's `RunConfig.tf_random_seed`.
    public var randomSeed: Int64
    /// Mini-batch k-means (TF's default) instead of full-batch Lloyd steps.
    public var useMiniBatch: Bool
    /// M: steps between syncs of the working copy into `clusters`; values ≤ 1 all mean 1, as in TF.
    public var miniBatchStepsPerIteration: Int
    /// Extra candidates per k-means++ centre; negative selects `2 + ⌊ln k⌋`.
    public var kmeansPlusPlusNumRetries: Int
    /// Stop training when the loss changes relatively less than this between steps; nil disables.
    public var relativeTolerance: Double?
    /// What full-batch steps do with empty clusters (TF: `.origin`).
    public var emptyClusterPolicy: EmptyClusterPolicy
    /// The mini-batch learning-rate rule (default: the documented `1/(n+m)`).
    public var miniBatchLearningRate: MiniBatchLearningRate
    /// The exact assignment algorithm of full-batch training (ours, not TF's): `.lloyd`, `.hamerly`, `.incremental`
    /// or `.auto` (the default, chosen from the shape). Every choice gives the same assignments; all but
    /// `.incremental` (float64 sums: centres a few ulps from TF's) the same centres. Mini-batch training always
    /// uses the Lloyd kernel, so only `.auto` and `.lloyd` are accepted with `useMiniBatch`.
    public var algorithm: KMeansAlgorithm

    /// Creates parameters with TF's defaults (random init, squared Euclidean, mini-batch, M = 1, 2 retries).
    public init(
        numClusters: Int,
        initialClusters: InitialClusters = .random,
        distanceMetric: DistanceMetric = .squaredEuclidean,
        randomSeed: Int64 = 0,
        useMiniBatch: Bool = true,
        miniBatchStepsPerIteration: Int = 1,
        kmeansPlusPlusNumRetries: Int = 2,
        relativeTolerance: Double? = nil,
        emptyClusterPolicy: EmptyClusterPolicy = .origin,
        miniBatchLearningRate: MiniBatchLearningRate = .documented,
        algorithm: KMeansAlgorithm = .auto
    ) {
        self.numClusters = numClusters
        self.initialClusters = initialClusters
        self.distanceMetric = distanceMetric
        self.randomSeed = randomSeed
        self.useMiniBatch = useMiniBatch
        self.miniBatchStepsPerIteration = miniBatchStepsPerIteration
        self.kmeansPlusPlusNumRetries = kmeansPlusPlusNumRetries
        self.relativeTolerance = relativeTolerance
        self.emptyClusterPolicy = emptyClusterPolicy
        self.miniBatchLearningRate = miniBatchLearningRate
        self.algorithm = algorithm
    }

    /// The k actually used: rows of an explicit initial matrix, else `numClusters`.
    public var effectiveNumClusters: Int {
        if case .matrix(let m) = initialClusters { return m.rows }
        return numClusters
    }

    /// True in mini-batch mode with M > 1: a separate working copy `clusters_updated` and `update_in_steps` exist.
    public var hasSeparateWorkingCopy: Bool { useMiniBatch && miniBatchStepsPerIteration > 1 }

    /// TF's `_clusters_l2_normalized()`: cosine and (full batch or M > 1). Otherwise cosine centres are normalised
    /// at every use and stored un-normalised.
    public var keepsClustersNormalized: Bool {
        distanceMetric == .cosine && (!useMiniBatch || miniBatchStepsPerIteration > 1)
    }

    /// The number of k-means++ retries per sample after TF's negative-value heuristic (`2 + ⌊ln k⌋`).
    public func effectiveRetries(numToSample: Int) -> Int {
        KMeansPlusPlus.effectiveRetries(count: max(numToSample, 1), retriesPerSample: kmeansPlusPlusNumRetries)
    }

    /// Throws `KMeansError.invalidArgument` naming the first invalid option.
    public func validate() throws {
        if case .matrix(let m) = initialClusters {
            guard m.rows > 0, m.columns > 0 else {
                throw KMeansError.invalidArgument(argument: "initialClusters", reason: "the initial centre matrix is empty (\(m.rows)×\(m.columns))")
            }
            if let bad = m.firstNonFiniteIndex() {
                throw KMeansError.invalidArgument(argument: "initialClusters", reason: "the initial centre matrix holds \(m.values[bad]) at row \(bad / m.columns), column \(bad % m.columns); every value must be a finite number")
            }
        } else if numClusters <= 0 {
            throw KMeansError.invalidArgument(argument: "numClusters", reason: "must be > 0, given: \(numClusters)")
        }
        if let tolerance = relativeTolerance, !(tolerance.isFinite && tolerance >= 0) {
            throw KMeansError.invalidArgument(argument: "relativeTolerance", reason: "must be a finite number ≥ 0 or nil, given: \(tolerance)")
        }
        if useMiniBatch && algorithm.needsFullBatch {
            throw KMeansError.invalidArgument(argument: "algorithm", reason: "'\(algorithm.rawValue)' needs full-batch training (useMiniBatch: false): its bounds carry over between passes over the same points; mini-batch steps use 'lloyd' ('auto' picks it)")
        }
    }
}
