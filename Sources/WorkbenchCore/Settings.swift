import KMeansCore
import KMeansEstimator

/// How a run's first centres are chosen: one of core's drawn strategies, or placed by hand on the plot.
///
/// Core's `InitialClusters` has no "I'll choose": the workbench adds it as its own case here and turns the placed
/// centres into core's `.matrix` when the run starts. The drawn strategies are core's cases themselves.
public enum CenterInitialization: Sendable, Equatable {
    /// Core draws the centres from the data with this strategy (`.random` or `.kmeansPlusPlus`).
    case drawn(InitialClusters)
    /// "I'll choose": the user places the centres with the cursor or a mouse click.
    case placedByHand

    /// Core's random initialisation.
    public static let random = CenterInitialization.drawn(.random)
    /// Core's k-means++ initialisation.
    public static let kmeansPlusPlus = CenterInitialization.drawn(.kmeansPlusPlus)
    /// The choices the settings editor cycles through, in order.
    public static let choices: [CenterInitialization] = [.random, .kmeansPlusPlus, .placedByHand]

    /// Parses core's TF names (`random`, `kmeans_plus_plus`) or `manual` for placement by hand; nil otherwise.
    public init?(name: String) {
        if name == "manual" { self = .placedByHand; return }
        guard let method = try? InitialClusters(tfName: name) else { return nil }
        self = .drawn(method)
    }

    /// Equal strategies (core's named strategies by name; explicit matrices by value; callables never).
    public static func == (a: CenterInitialization, b: CenterInitialization) -> Bool {
        switch (a, b) {
        case (.placedByHand, .placedByHand): true
        case let (.drawn(.matrix(x)), .drawn(.matrix(y))): x == y
        case (.drawn(.callable), _), (_, .drawn(.callable)): false
        case let (.drawn(x), .drawn(y)): x.name == y.name
        default: false
        }
    }

    /// Short label for the screen.
    public var label: String {
        switch self {
        case .drawn(.random): "random"
        case .drawn(.kmeansPlusPlus): "k-means++"
        case let .drawn(other): other.name
        case .placedByHand: "I'll choose"
        }
    }
}

extension DistanceMetric {
    /// Short label for the screen.
    public var label: String { self == .squaredEuclidean ? "sq-euclidean" : "cosine" }
}

extension EmptyClusterPolicy {
    /// The policy by the name lessons and `--compare` use: `origin` or `farthest` (or core's raw values).
    public init?(workbenchName name: String) {
        if name == "farthest" { self = .farthestPoint; return }
        self.init(rawValue: name)
    }

    /// Short label for the screen.
    public var label: String { self == .origin ? "→ origin (TF)" : "→ farthest pt" }
}

/// Everything the user can change between runs. Changes take effect on restart.
public struct WorkbenchSettings: Sendable, Equatable {
    /// Number of clusters.
    public var k: Int = 3
    /// Initialisation method.
    public var initialization: CenterInitialization = .kmeansPlusPlus
    /// Candidates tried per k-means++ centre (TF's `kmeans_plus_plus_num_retries`; 0 = one candidate).
    public var kmeansPlusPlusRetries: Int = 2
    /// Distance metric (core's).
    public var metric: DistanceMetric = .squaredEuclidean
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
    /// Full-batch empty-cluster policy (core's).
    public var emptyClusterPolicy: EmptyClusterPolicy = .origin
    /// Cluster z-scores (each column standardised) instead of the raw values (`z`); centres shown in original units.
    public var standardize: Bool = false

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
        settings.metric = DistanceMetric(rawValue: model.distanceMetric) ?? .squaredEuclidean
        // Full-batch steps on batches (`train --use-mini-batch false --batch-size B`) show as full batch here.
        settings.useMiniBatch = model.useMiniBatch
        // No batch size: every step takes the whole data, in order (one batch at least as large as the data).
        settings.batchSize = model.batchSize ?? Int(Int32.max)
        settings.shuffle = model.batchSize != nil && (model.shuffle ?? false)
        settings.miniBatchStepsPerIteration = max(1, model.miniBatchStepsPerIteration)
        settings.seed = UInt64(bitPattern: model.randomSeed)
        settings.kmeansPlusPlusRetries = model.kmeansPlusPlusNumRetries
        if let tolerance = model.relativeTolerance { settings.relativeTolerance = tolerance }
        settings.emptyClusterPolicy = model.emptyClusterPolicy.flatMap(EmptyClusterPolicy.init(rawValue:)) ?? .origin
        if let drawn = CenterInitialization(name: model.initialClusters) { settings.initialization = drawn }
        return settings
    }
}
