import KMeansCore

/// Two to four runs on the same data with different settings, stepped in lockstep by the same keys: what the
/// workbench's side-by-side view shows. Each run is an ordinary `Session`, so each pane equals the single run with
/// its settings, bit for bit.
public struct RunComparison: Sendable {
    /// The runs, left to right.
    public private(set) var runs: [Session]
    /// Each run's name ("random, seed 5").
    public let labels: [String]

    /// Most runs side by side.
    public static let maximumRuns = 4

    /// Why a comparison cannot be opened.
    public struct SetupError: Error, Equatable, CustomStringConvertible {
        /// The one-line message.
        public var description: String
    }

    /// Opens `specs.count` runs (2…4) of `dataSet`, each `base` with its spec applied.
    public init(dataSet: DataSet, base: WorkbenchSettings, specs: [CompareSpec], width: Int, height: Int,
                view: ViewOptions = ViewOptions()) throws {
        guard (2...Self.maximumRuns).contains(specs.count) else {
            throw SetupError(description: "compare needs 2 to \(Self.maximumRuns) runs (--compare given \(specs.count) time\(specs.count == 1 ? "" : "s"))")
        }
        var runs: [Session] = []
        for spec in specs {
            let settings = try spec.apply(to: base)
            let problems = settings.problems(pointCount: dataSet.points.rows)
            guard problems.isEmpty else { throw SetupError(description: "--compare \"\(spec.label)\": " + problems.joined(separator: "; ")) }
            runs.append(Session(dataSet: dataSet, settings: settings, width: width, height: height, view: view))
        }
        self.runs = runs
        labels = specs.map(\.label)
    }

    /// The run-control actions every run takes together; the rest (settings, placement, overlays) are not
    /// offered while comparing.
    public static let lockstepActions: Set<WorkbenchAction> = [
        .stepIteration, .halfStep, .runPause, .faster, .slower, .back, .forward, .first, .last, .restart, .restartNewSeed,
        .closeOverlay,
    ]

    /// Whether the user asked to quit.
    public private(set) var quitRequested = false

    /// Hands `key` to every run when it is a lockstep action; `q` quits.
    public mutating func handle(_ key: Key) {
        guard let action = Keymap.action(for: key, in: Keymap.main) else { return }
        if action == .quit { quitRequested = true; return }
        guard Self.lockstepActions.contains(action) else { return }
        for i in runs.indices { runs[i].perform(action) }
    }

    /// One auto-play frame for every run.
    public mutating func tick() {
        for i in runs.indices { runs[i].tick() }
    }

    /// Computes every run's requested half-steps inline (headless, tests).
    public mutating func runPendingWork() {
        for i in runs.indices { runs[i].runPendingWork() }
    }

    /// Every run's score per iteration up to its cursor (the shared chart's lines).
    public var scoreSeries: [[Double]] { runs.map { $0.statsUpToCursor.map(\.score) } }

    /// The one-line verdict: each run's name and its latest score, "random, seed 5: 4766 · k-means++: 2087"
    /// (a mini-batch run's score is its last batch loss, and says so).
    public var verdict: String {
        zip(labels, runs).map { label, run in
            guard let last = run.statsUpToCursor.last else { return "\(label): not stepped" }
            let value = formatCompact(last.score)
            return run.settings.useMiniBatch ? "\(label): batch loss \(value)" : "\(label): \(value)"
        }.joined(separator: " · ")
    }
}
