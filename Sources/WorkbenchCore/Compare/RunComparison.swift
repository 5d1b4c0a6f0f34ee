import KMeansCore

/// Two to four runs on the same data with different settings, stepped in lockstep by the same keys: what the
/// workbench's side-by-side view shows. Each run is an ordinary `Session`, so each pane equals the single run with
/// its settings, bit for bit.
public struct RunComparison: Sendable {
    /// The runs, left to right.
    public private(set) var runs: [Session]
    /// Each run's name ("random, seed 5").
    public let labels: [String]
    /// Size of the whole compare screen in cells.
    public private(set) var screenWidth: Int, screenHeight: Int
    /// Each pane's rasterisation cache (one per run, so the panes do not evict each other's).
    let paneCaches: [RasterCache]

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
            guard problems.isEmpty else { throw SetupError(description: "--compare \"\(TerminalText.sanitized(spec.text))\": " + problems.joined(separator: "; ")) }
            runs.append(Session(dataSet: dataSet, settings: settings, width: width, height: height, view: view))
        }
        self.runs = runs
        labels = specs.map(\.label)
        paneCaches = runs.map { _ in RasterCache() }
        screenWidth = width
        screenHeight = height
    }

    /// Compares runs already made (a lesson's `compare` stop), named by `labels`, on a `width × height` screen.
    public init(runs: [Session], labels: [String], width: Int, height: Int) {
        self.runs = runs
        self.labels = labels
        paneCaches = runs.map { _ in RasterCache() }
        screenWidth = width
        screenHeight = height
    }

    /// Names for runs with these settings, from what differs between them ("random, seed 5"); "run N" when
    /// nothing does.
    public static func labels(for settings: [WorkbenchSettings]) -> [String] {
        let parts: [(WorkbenchSettings) -> String] = [
            { $0.initialization.label }, { "seed \($0.seed)" }, { "k \($0.k)" }, { $0.metric.label },
            { $0.useMiniBatch ? "B=\($0.batchSize)" : "full batch" }, { "M=\($0.miniBatchStepsPerIteration)" },
            { "empty \($0.emptyClusterPolicy.label)" }, { "tol \(formatCompact($0.relativeTolerance))" },
        ]
        let differing = parts.filter { part in Set(settings.map(part)).count > 1 }
        return settings.indices.map { i in
            differing.isEmpty ? "run \(i + 1)" : differing.map { $0(settings[i]) }.joined(separator: ", ")
        }
    }

    /// Shows every run under `projection`.
    public mutating func setProjection(_ projection: Projection) {
        for i in runs.indices { runs[i].setProjection(projection) }
    }

    /// Records a new screen size.
    public mutating func resize(width: Int, height: Int) {
        screenWidth = width
        screenHeight = height
    }

    /// The run-control actions every run takes together; the rest (settings, placement, overlays) are not
    /// offered while comparing.
    public static let lockstepActions: Set<WorkbenchAction> = [
        .stepIteration, .halfStep, .runPause, .faster, .slower, .back, .forward, .first, .last, .restart, .restartNewSeed,
        .closeOverlay,
    ]

    /// The key bar of the compare screen: the lockstep keys and quit.
    public static var keyBarEntries: [(key: String, label: String)] {
        Keymap.barEntries(Keymap.main.filter { lockstepActions.contains($0.action) || $0.action == .quit })
    }

    /// Whether the user asked to quit.
    public private(set) var quitRequested = false

    /// Hands `key` to every run when it is a lockstep action; `q` quits.
    public mutating func handle(_ key: Key) {
        guard let action = Keymap.action(for: key, in: Keymap.main) else { return }
        if action == .quit { quitRequested = true; return }
        // While "terminal too small" is shown nothing but quitting acts.
        guard Self.lockstepActions.contains(action), CompareLayout(width: screenWidth, height: screenHeight, runCount: runs.count).fits else { return }
        // Space pauses every run when one runs, else starts them all (a converged run stops again by itself).
        let running = isRunning
        for i in runs.indices where action != .runPause || runs[i].isRunning == running {
            if action == .stepIteration {
                // Counted from where the run will be once its queued half-steps are done (the runs compute in turn,
                // so a key can arrive with one run a half-step further than another).
                runs[i].history.pause()
                runs[i].requestHalfSteps(Self.halfStepsToIterationEnd(runs[i]))
            } else {
                runs[i].perform(action)
            }
        }
    }

    /// Half-steps from the end of `run`'s queued work to the end of that iteration (after its update).
    static func halfStepsToIterationEnd(_ run: Session) -> Int {
        guard let current = run.currentFrame else { return 0 }
        guard run.pendingHalfSteps > 0, let last = run.frames.last else { return current.phase == .assigned ? 1 : 2 }
        let endsAssigned = (last.phase == .assigned) == (run.pendingHalfSteps % 2 == 0)
        return endsAssigned ? 1 : 2
    }

    /// Whether a run is auto-playing.
    public var isRunning: Bool { runs.contains(where: \.isRunning) }

    /// The auto-play speed (the same for every run), iterations per second.
    public var speed: Double { runs.first?.speed ?? 1 }

    /// Half-steps asked for and not computed yet, over every run.
    public var pendingHalfSteps: Int { runs.reduce(0) { $0 + $1.pendingHalfSteps } }

    /// The next computation: the first run's with work pending, so the runs advance in turn.
    public func nextJob() -> FrameJob? { runs.lazy.compactMap { $0.nextJob() }.first }

    /// Hands a computed frame to the run whose job it was (known by its cancellation flag).
    public mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob) {
        guard let index = runs.firstIndex(where: { $0.cancellation === job.cancellation }) else { return }
        runs[index].accept(result, for: job)
    }

    /// Asks every run for the rest of its current iteration.
    public mutating func requestIteration() {
        for i in runs.indices { runs[i].requestIteration() }
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
