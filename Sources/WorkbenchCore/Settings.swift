import KMeansCore
import KMeansEstimator

/// Everything the user can change between runs. Changes take effect on restart.
public struct WorkbenchSettings: Sendable, Equatable {
    /// Distance used for assignment, as TensorFlow names it.
    public enum Metric: String, Sendable, CaseIterable {
        case squaredEuclidean = "squared_euclidean"
        case cosine

        /// Short label for the screen.
        public var label: String { self == .squaredEuclidean ? "sq-euclidean" : "cosine" }
    }

    /// How the first centres are chosen.
    public enum Initialization: String, Sendable, CaseIterable {
        /// k distinct random points.
        case random
        /// k-means++ (with `kmeansPlusPlusRetries` candidates per centre).
        case kmeansPlusPlus = "kmeans_plus_plus"
        /// "I'll choose": the user places the centres with the cursor or a mouse click.
        case manual

        /// Short label for the screen.
        public var label: String {
            switch self {
            case .random: "random"
            case .kmeansPlusPlus: "k-means++"
            case .manual: "I'll choose"
            }
        }
    }

    /// What happens to a centre that receives no point in a full-batch update.
    public enum EmptyClusterPolicy: String, Sendable, CaseIterable {
        /// TensorFlow's behaviour: the centre becomes the zero vector (the origin).
        case moveToOrigin = "origin"
        /// The centre jumps to the point farthest from its own centre.
        case farthestPoint = "farthest"

        /// Short label for the screen.
        public var label: String { self == .moveToOrigin ? "→ origin (TF)" : "→ farthest pt" }
    }

    /// Number of clusters.
    public var k: Int = 3
    /// Initialisation method.
    public var initialization: Initialization = .kmeansPlusPlus
    /// Candidates tried per k-means++ centre (TF's `kmeans_plus_plus_num_retries`; 0 = one candidate).
    public var kmeansPlusPlusRetries: Int = 2
    /// Distance metric.
    public var metric: Metric = .squaredEuclidean
    /// Mini-batch training instead of full batch.
    public var useMiniBatch: Bool = false
    /// Points per mini-batch.
    public var batchSize: Int = 32
    /// Whether mini-batches visit the rows in a seeded order per epoch (`kmeans train --shuffle`).
    public var shuffle: Bool = true
    /// TF's `mini_batch_steps_per_iteration` (M).
    public var miniBatchStepsPerIteration: Int = 1
    /// Relative loss change below which the run counts as converged (TF's `relative_tolerance`); 0 = never.
    public var relativeTolerance: Double = 1e-4
    /// Seed for every random choice (initial centres, batches).
    public var seed: UInt64 = 1
    /// Full-batch empty-cluster policy.
    public var emptyClusterPolicy: EmptyClusterPolicy = .moveToOrigin

    /// Creates default settings.
    public init() {}

    /// Problems that stop these settings from running on `pointCount` points, as sentences.
    public func problems(pointCount: Int) -> [String] {
        var out: [String] = []
        if k < 1 { out.append("k must be at least 1 (is \(k))") }
        if k > pointCount { out.append("k = \(k) is more than the \(pointCount) points") }
        if useMiniBatch && batchSize < 1 { out.append("batch size must be at least 1 (is \(batchSize))") }
        if useMiniBatch && miniBatchStepsPerIteration < 1 { out.append("steps per iteration must be at least 1") }
        if relativeTolerance < 0 { out.append("tolerance must not be negative") }
        return out
    }
}

extension WorkbenchSettings {
    /// These settings with the model's own: k, metric, mode, batch size and shuffling, M, seed and empty-cluster
    /// policy (as `kmeans train` resolved them for the model directory).
    public func adopting(_ model: StoredParameters) -> WorkbenchSettings {
        var settings = self
        settings.k = model.numClusters
        settings.metric = Metric(rawValue: model.distanceMetric) ?? .squaredEuclidean
        // Full-batch steps on batches (`train --use-mini-batch false --batch-size B`) show as full batch here.
        settings.useMiniBatch = model.useMiniBatch
        // No batch size: every step takes the whole data, in order (one batch at least as large as the data).
        settings.batchSize = model.batchSize ?? Int(Int32.max)
        settings.shuffle = model.batchSize != nil && (model.shuffle ?? false)
        settings.miniBatchStepsPerIteration = max(1, model.miniBatchStepsPerIteration)
        settings.seed = UInt64(bitPattern: model.randomSeed)
        settings.kmeansPlusPlusRetries = model.kmeansPlusPlusNumRetries
        if let tolerance = model.relativeTolerance { settings.relativeTolerance = tolerance }
        settings.emptyClusterPolicy = model.emptyClusterPolicy == KMeansCore.EmptyClusterPolicy.farthestPoint.rawValue ? .farthestPoint : .moveToOrigin
        switch model.initialClusters {
        case "random": settings.initialization = .random
        case "kmeans_plus_plus": settings.initialization = .kmeansPlusPlus
        default: break
        }
        return settings
    }
}
