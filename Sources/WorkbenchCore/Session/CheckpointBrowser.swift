import KMeansCore
import KMeansEstimator

/// A checkpoint of a model_dir, as the checkpoint view lists it.
public struct CheckpointEntry: Sendable, Equatable {
    /// Global step of the checkpoint.
    public var step: Int
    /// Checkpoint prefix or file name (for display).
    public var name: String
    /// The centres stored in it (TF `clusters`), k × d.
    public var centers: Matrix
    /// Whether the checkpoint stores the model as already initialised.
    public var initialized: Bool
    /// The checkpoint's whole training state, decoded for the model's own mode (nil for entries given by centres).
    public var state: KMeansState?
    /// The parameters of the model that wrote it (`kmeans_params.json`, or what a TF checkpoint shows).
    public var model: StoredParameters?
    /// Every variable the checkpoint stores, for the variables table (empty for entries given by centres).
    public var variables: [CheckpointVariable]

    /// Creates an entry.
    public init(step: Int, name: String, centers: Matrix, initialized: Bool = true, state: KMeansState? = nil,
                model: StoredParameters? = nil, variables: [CheckpointVariable] = []) {
        self.step = step
        self.name = name
        self.centers = centers
        self.initialized = initialized
        self.state = state
        self.model = model
        self.variables = variables
    }
}

/// A checkpoint's centres applied to the data: each point's cluster and the summed distance.
public struct CheckpointEvaluation: Sendable, Equatable {
    /// Nearest checkpoint centre of every point.
    public var labels: [Int32]
    /// Summed distance to the nearest centre (TF's score).
    public var score: Double

    /// The one place a checkpoint is evaluated: a model_dir's checkpoint by its model's own metric in float32 on
    /// `data` (the bits `kmeans score --checkpoint` prints); an entry given by centres alone against `points` (as
    /// the metric sees them, `dataColumns` wide) under `metric`; nil when the centres do not fit the data.
    public static func evaluate(_ entry: CheckpointEntry, data: Matrix, points: Matrix, dataColumns: Int,
                                metric: DistanceMetric) -> CheckpointEvaluation? {
        guard entry.centers.columns == dataColumns, entry.centers.rows > 0 else { return nil }
        if let scored = ModelDirCheckpoints.evaluate(entry, data: data) {
            return CheckpointEvaluation(labels: scored.labels, score: Double(scored.score))
        }
        let centers = metric == .cosine ? StepEngine.normalizedRows(entry.centers) : entry.centers
        let r = StepEngine.nearest(points: points, rows: nil, centers: centers, metric: metric)
        return CheckpointEvaluation(labels: r.labels, score: r.loss)
    }
}

/// The checkpoints of the opened model_dir and the checkpoint view's keys.
public struct CheckpointBrowser: Sendable {
    /// What a key did in the checkpoint view.
    public enum Outcome: Sendable, Equatable {
        /// Show entry `selected`.
        case show(selected: Int)
        /// Continue training from this entry.
        case continueFrom(CheckpointEntry)
        /// Close the view.
        case close
        /// Quit the workbench.
        case quit
    }

    /// Checkpoints, oldest step first.
    public private(set) var entries: [CheckpointEntry] = []
    /// The model_dir the checkpoints came from, or why none are available.
    public private(set) var origin: String = "no model_dir opened (use --model-dir DIR)"

    /// Score of every entry on the current data and metric (nil where the centres do not fit), computed when the
    /// entries, the data or the metric change, never while drawing.
    public private(set) var scores: [Double?] = []
    /// The entry on screen and its evaluation, computed when the selection changes.
    public private(set) var shown: (index: Int, evaluation: CheckpointEvaluation?)?
    /// Entries scored so far (an entry kept from one listing to the next is not scored again).
    public private(set) var scoredCount = 0
    /// What the checkpoint view shows beside the list: its toggles and panel content.
    public var display = CheckpointDisplay()
    /// The event files' scalar series of the model_dir (training `loss`, `eval` scores, …).
    public private(set) var scalars: [EventScalarSeries] = []

    /// No checkpoints.
    public init() {}

    /// Scores every entry against `data` (a model_dir's by its model's metric in float32) or `points`
    /// (`dataColumns` wide, as `metric` sees them).
    public mutating func evaluateAll(data: Matrix, points: Matrix, dataColumns: Int, metric: DistanceMetric) {
        scores = entries.map { score($0, data: data, points: points, dataColumns: dataColumns, metric: metric) }
        shown = nil
    }

    /// Scores the entries that `set` left without a score (new ones); the others keep theirs.
    public mutating func evaluateNew(data: Matrix, points: Matrix, dataColumns: Int, metric: DistanceMetric) {
        for index in entries.indices where pendingScores.contains(index) {
            scores[index] = score(entries[index], data: data, points: points, dataColumns: dataColumns, metric: metric)
        }
        pendingScores = []
    }

    private mutating func score(_ entry: CheckpointEntry, data: Matrix, points: Matrix, dataColumns: Int, metric: DistanceMetric) -> Double? {
        scoredCount += 1
        return CheckpointEvaluation.evaluate(entry, data: data, points: points, dataColumns: dataColumns, metric: metric)?.score
    }

    /// Indices of entries `set` could not carry a score over to.
    private var pendingScores: Set<Int> = []

    /// Replaces the event scalars the loss chart draws.
    public mutating func setScalars(_ series: [EventScalarSeries]) { scalars = series }

    /// Evaluates entry `index` for display (kept while the same entry stays selected).
    public mutating func show(_ index: Int, data: Matrix, points: Matrix, dataColumns: Int, metric: DistanceMetric) {
        guard entries.indices.contains(index), shown?.index != index else { return }
        shown = (index, CheckpointEvaluation.evaluate(entries[index], data: data, points: points, dataColumns: dataColumns, metric: metric))
    }

    /// Replaces the checkpoints (`origin` names their model_dir, or why there are none).
    /// An entry that is equal to one already listed keeps its score (and its evaluation when it is on screen).
    public mutating func set(_ entries: [CheckpointEntry], origin: String) {
        let previous = self.entries, previousScores = scores, previousShown = shown
        self.entries = entries.sorted { $0.step < $1.step }
        self.origin = origin
        scores = []
        pendingScores = []
        shown = nil
        var oldIndex: [String: Int] = [:]
        for (index, entry) in previous.enumerated() { oldIndex["\(entry.step) \(entry.name)"] = index }
        for (index, entry) in self.entries.enumerated() {
            if let old = oldIndex["\(entry.step) \(entry.name)"], old < previousScores.count, previous[old] == entry {
                scores.append(previousScores[old])
                if let previousShown, previousShown.index == old { shown = (index, previousShown.evaluation) }
            } else {
                scores.append(nil)
                pendingScores.insert(index)
            }
        }
    }

    /// `index` clamped to the entries.
    public func clamped(_ index: Int) -> Int { min(max(0, index), max(0, entries.count - 1)) }

    /// Handles a key through the navigation keymap while entry `selected` is shown.
    public func handle(_ key: Key, selected: Int) -> Outcome {
        switch Keymap.action(for: key, in: Keymap.navigation) {
        case .moveUp, .moveLeft: return .show(selected: max(0, selected - 1))
        case .moveDown, .moveRight: return .show(selected: min(entries.count - 1, selected + 1))
        case .pageUp: return .show(selected: 0)
        case .pageDown: return .show(selected: entries.count - 1)
        case .confirm: return .continueFrom(entries[selected])
        case .closeOverlay: return .close
        case .quit, .interrupt: return .quit
        default: return Keymap.isMainKey(key, for: .checkpoints) ? .close : .show(selected: selected)
        }
    }
}
