import KMeansCore

/// One k of a sweep: the best of its restarts.
public struct KSweepRow: Sendable, Equatable {
    /// The number of clusters.
    public var k: Int
    /// The lowest score of the restarts (TF's score: the sum of distances of every point to its nearest centre).
    public var score: Float
    /// The seed of the restart that scored lowest (the first of equal scores).
    public var seed: Int64
    /// The score of every restart, restart r trained with seed `baseSeed + r`.
    public var restartScores: [Float]
    /// The training steps the best restart ran.
    public var iterations: Int
    /// The silhouette of the best restart's clustering; nil for k = 1 (undefined), when not asked for, or when
    /// every point is its own cluster.
    public var silhouette: SilhouetteResult?
    /// The adjusted Rand index of the best restart's clusters against ``KSweep/truth``, when that is given.
    public var adjustedRandIndex: Double?
    /// Wall-clock seconds for this k: every restart's training and scoring, and the silhouette.
    public var seconds: Double
}

/// Where a running sweep is, reported after every training step.
public struct KSweepProgress: Sendable, Equatable {
    /// The k being trained.
    public var k: Int
    /// The restart of that k (0-based).
    public var restart: Int
    /// The global step the restart has reached.
    public var step: Int
    /// Restarts finished so far, over all k.
    public var completedRuns: Int
    /// Restarts in the whole sweep.
    public var totalRuns: Int

    /// The finished fraction of the sweep, by restarts.
    public var fraction: Double { totalRuns == 0 ? 1 : Double(completedRuns) / Double(totalRuns) }
}

/// The rows a sweep finished, and whether it was cancelled before the last.
public struct KSweepResult: Sendable, Equatable {
    /// One row per finished k, in increasing k.
    public var rows: [KSweepRow]
    /// True when the sweep stopped on its cancellation flag (the k in progress has no row).
    public var cancelled: Bool
}

/// A k sweep: for each k in `ks`, `restarts` trainings, restart r seeded `baseSeed + r`, keeping the lowest score.
///
/// Each restart is exactly what `kmeans train` does on the whole data as one batch with that k and seed: a fresh
/// in-memory ``KMeansClustering`` with `params` (k and seed replaced) trained for at most `steps` steps (its
/// `relativeTolerance` stopping earlier), then scored as `kmeans score` does. So a row's score equals
/// `kmeans train --num-clusters k --random-seed S` followed by `kmeans score` for the row's seed.
public struct KSweep: Sendable {
    /// The values of k, in increasing order.
    public var ks: ClosedRange<Int>
    /// Trainings per k (≥ 1).
    public var restarts: Int
    /// The seed of restart 0; restart r uses `baseSeed + r`. Also the silhouette's sample seed.
    public var baseSeed: Int64
    /// Every other training option (`numClusters` and `randomSeed` are replaced per restart).
    public var params: KMeansParams
    /// The most steps a restart trains.
    public var steps: Int
    /// Whether to compute each row's silhouette (exact up to ``Silhouette/exactLimit`` points, sampled above).
    public var computesSilhouette: Bool
    /// Truth labels (one per point, ≥ 0) to score each row's best clustering against with the adjusted Rand index.
    public var truth: [Int]?

    /// The step cap of `kmeans train` when no steps are given.
    public static let defaultStepCap = 1000
    /// The relative tolerance of `kmeans train` when neither steps nor a tolerance are given.
    public static let defaultTolerance = 1e-4

    /// A sweep; throws ``KMeansError/invalidArgument(argument:reason:)`` for k < 1, restarts or steps < 1, or
    /// explicit initial centres (which fix k).
    public init(ks: ClosedRange<Int>, restarts: Int, baseSeed: Int64 = 0, params: KMeansParams,
                steps: Int = KSweep.defaultStepCap, computesSilhouette: Bool = true) throws {
        guard ks.lowerBound >= 1 else { throw KMeansError.invalidArgument(argument: "ks", reason: "k must be ≥ 1, given \(ks.lowerBound)...\(ks.upperBound)") }
        guard restarts >= 1 else { throw KMeansError.invalidArgument(argument: "restarts", reason: "must be ≥ 1, given \(restarts)") }
        guard steps >= 1 else { throw KMeansError.invalidArgument(argument: "steps", reason: "must be ≥ 1, given \(steps)") }
        switch params.initialClusters {
        case .random, .kmeansPlusPlus: break
        case .matrix, .callable:
            throw KMeansError.invalidArgument(argument: "params.initialClusters", reason: "a sweep chooses its own centres for each k: use random or kmeans_plus_plus")
        }
        self.ks = ks
        self.restarts = restarts
        self.baseSeed = baseSeed
        self.params = params
        self.steps = steps
        self.computesSilhouette = computesSilhouette
    }

    /// The parameters of restart `restart` of `k`.
    public func params(k: Int, restart: Int) -> KMeansParams {
        var chosen = params
        chosen.numClusters = k
        chosen.randomSeed = baseSeed &+ Int64(restart)
        return chosen
    }

    /// Runs the sweep on `points` on the calling thread (run it on a background thread to keep a UI answering).
    /// `progress` is called after every training step, `row` after every finished k; `cancellation` is checked
    /// after every step and silhouette block. Throws for k above the number of points or invalid data.
    public func run(points: Matrix, cancellation: SweepCancellation? = nil,
                    progress: ((KSweepProgress) -> Void)? = nil, row: ((KSweepRow) -> Void)? = nil) throws -> KSweepResult {
        if let truth, truth.count != points.rows {
            throw KMeansError.invalidArgument(argument: "truth", reason: "\(truth.count) labels for \(points.rows) points")
        }
        if ks.upperBound > points.rows {
            throw KMeansError.invalidArgument(argument: "ks", reason: "k = \(ks.upperBound) is more than the \(points.rows) points")
        }
        let clock = ContinuousClock()
        let input = InputFunction.wholeArray(points, epochs: nil)
        let scoring = InputFunction.wholeArray(points, epochs: 1)
        let totalRuns = ks.count * restarts
        var rows: [KSweepRow] = []
        var completed = 0
        for k in ks {
            let started = clock.now
            var best: (score: Float, restart: Int, iterations: Int, estimator: KMeansClustering)? = nil
            var scores: [Float] = []
            for restart in 0..<restarts {
                let estimator = try KMeansClustering(params: params(k: k, restart: restart), modelDir: nil, config: Self.runConfig)
                let watcher = SweepStepWatcher(cancellation: cancellation) { step in
                    progress?(KSweepProgress(k: k, restart: restart, step: step, completedRuns: completed, totalRuns: totalRuns))
                }
                do { try estimator.train(input: input, hooks: [watcher], steps: steps) } catch KMeansError.cancelled {
                    return KSweepResult(rows: rows, cancelled: true)
                }
                if cancellation?.isCancelled == true { return KSweepResult(rows: rows, cancelled: true) }
                let score = try estimator.evaluate(input: scoring, steps: 1).score
                scores.append(score)
                if best == nil || score < best!.score { best = (score, restart, watcher.steps, estimator) }
                completed += 1
                progress?(KSweepProgress(k: k, restart: restart, step: watcher.steps, completedRuns: completed, totalRuns: totalRuns))
            }
            guard let best else { continue }
            var silhouette: SilhouetteResult? = nil
            var agreement: Double? = nil
            let needsLabels = (computesSilhouette && k > 1) || truth != nil
            let labels = needsLabels ? try best.estimator.predictClusterIndex(input: scoring).map { Int($0) } : []
            if let truth {
                agreement = ConfusionTable(truth: truth, clusters: labels, clusterCount: k).adjustedRandIndex
            }
            if computesSilhouette, k > 1 {
                var isCancelled: (@Sendable () -> Bool)? = nil
                if let cancellation { isCancelled = { cancellation.isCancelled } }
                silhouette = Silhouette.score(points: points, labels: labels, metric: params.distanceMetric,
                                              seed: UInt64(bitPattern: baseSeed), isCancelled: isCancelled)
                if cancellation?.isCancelled == true { return KSweepResult(rows: rows, cancelled: true) }
            }
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let finished = KSweepRow(k: k, score: best.score, seed: baseSeed &+ Int64(best.restart), restartScores: scores,
                                     iterations: best.iterations, silhouette: silhouette, adjustedRandIndex: agreement,
                                     seconds: seconds)
            rows.append(finished)
            row?(finished)
        }
        return KSweepResult(rows: rows, cancelled: false)
    }

    /// `kmeans train`'s cadence without a model dir: no periodic saves, summaries or log lines (none change the
    /// numbers).
    static let runConfig = RunConfig(saveCheckpointsSecs: nil, saveSummarySteps: nil, keepCheckpointMax: nil, logStepCountSteps: nil)
}

/// Counts a restart's steps, reports each, and stops training when the sweep is cancelled.
final class SweepStepWatcher: SessionRunHook {
    private let cancellation: SweepCancellation?
    private let report: (Int) -> Void
    private(set) var steps = 0

    init(cancellation: SweepCancellation?, report: @escaping (Int) -> Void) {
        self.cancellation = cancellation
        self.report = report
    }

    func begin(_ context: RunContext) throws {
        if let cancellation { context.interrupt { cancellation.isCancelled } }
    }

    func afterStep(_ context: RunContext, loss: Float) throws {
        steps += 1
        report(Int(context.globalStep))
        if cancellation?.isCancelled == true { context.requestStop() }
    }
}
