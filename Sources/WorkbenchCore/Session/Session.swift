import KMeansCore

/// The open-ended part of the workbench: which overlay or mode has the keyboard.
public enum Overlay: Sendable, Equatable {
    case none
    /// Help, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// Settings editor (its state is `Session.settingsEditor`).
    case settings
    /// Checkpoint list with entry `selected` shown over the data.
    case checkpoints(selected: Int)
    /// The k sweep (its state is `Session.sweep`).
    case sweep
}

/// The whole workbench state: data, settings, the run's history, the editors and what is on screen. A value type
/// made of parts that each handle their own keys (`RunHistory`, `SettingsEditor`, `Placement`, `CheckpointBrowser`);
/// every change goes through `handle(_:)` or the small mutating API, so tests drive it exactly as the terminal does.
public struct Session: Sendable {
    /// Auto-play speeds in iterations per second.
    public static var speeds: [Double] { RunHistory.speeds }

    /// The data being clustered.
    public internal(set) var dataSet: DataSet
    /// Other data sets offered in the settings (built-ins plus a loaded file).
    public internal(set) var dataChoices: [DataSet]
    /// Settings of the current run.
    public internal(set) var settings: WorkbenchSettings
    /// The settings overlay's draft and cursor.
    public internal(set) var settingsEditor: SettingsEditor
    /// The step functions of the current run.
    public internal(set) var engine: StepEngine
    /// The run's history and auto-play.
    public internal(set) var history = RunHistory() { didSet { refreshVoronoiRegions() } }
    /// Which overlay or mode has the keyboard.
    public internal(set) var overlay: Overlay = .none { didSet { refreshVoronoiRegions() } }
    /// Centre placement in progress ("I'll choose").
    public internal(set) var placement: Placement?
    /// The model_dir's checkpoints.
    public internal(set) var checkpointBrowser = CheckpointBrowser() { didSet { refreshVoronoiRegions() } }
    /// The k sweep overlay's state (kept after closing, so an unchanged sweep shows again).
    public internal(set) var sweep: SweepOverlay?
    /// The z-scores the run clusters, when `settings.standardize` is on (fitted to the data at each restart).
    public internal(set) var standardization: Standardization?
    /// View options.
    public var view: ViewOptions { didSet { refreshVoronoiRegions() } }
    /// Projection fitted to the data.
    public internal(set) var planeMap: PlaneMap
    /// Plot bounds.
    public internal(set) var bounds: PlotBounds
    /// Every point's plane position, interleaved x, y (computed once per data set and projection).
    public internal(set) var projected: [Float] = []
    /// The Voronoi shading of what is on screen (nil when off), refreshed where its inputs change, never while drawing.
    public internal(set) var voronoiRegions: VoronoiRegions?
    /// Screen size the layout is computed for.
    public internal(set) var screenWidth: Int
    /// Screen height the layout is computed for.
    public internal(set) var screenHeight: Int
    /// The status line (errors, convergence), cleared by the next key.
    public internal(set) var status: StatusMessage?
    /// Set when the user asked for a screenshot; the front end writes it and calls `screenshotWritten(_:)`.
    public internal(set) var screenshotRequested = false
    /// Set when the user asked to write the run out; the front end writes it and calls `exportWritten(_:)`.
    public internal(set) var exportRequested = false
    /// Set when the user asked to quit.
    public internal(set) var quitRequested = false

    /// Opens a session on `dataSet` with `settings`, sized `width × height`. A k above the point count is lowered
    /// to it, and the status line says so.
    public init(dataSet: DataSet, settings: WorkbenchSettings = WorkbenchSettings(), width: Int = 100, height: Int = 30,
                extraChoices: [DataSet] = [], view: ViewOptions = ViewOptions()) {
        self.dataSet = dataSet
        var choices = [dataSet]
        for candidate in extraChoices + DataSet.builtIn.map(\.dataSet) where !choices.contains(where: { $0.name == candidate.name }) {
            choices.append(candidate)
        }
        dataChoices = choices
        var settings = settings
        let requestedK = settings.k
        settings.k = min(max(1, settings.k), max(1, dataSet.points.rows))
        self.settings = settings
        settingsEditor = SettingsEditor(settings: settings, dataIndex: 0)
        engine = StepEngine(data: dataSet.points, settings: settings)
        var view = view
        view.projection = Session.defaultProjection(columns: dataSet.points.columns)
        self.view = view
        planeMap = PlaneMap(projection: view.projection, points: dataSet.points)
        projected = Session.project(dataSet.points, map: planeMap)
        bounds = PlotBounds(projected: projected)
        screenWidth = width
        screenHeight = height
        restart()
        if requestedK > settings.k, status == nil { status = .kLowered(requested: requestedK, points: dataSet.points.rows) }
        if status == nil, !dataSet.note.isEmpty { status = .dataOpened(name: dataSet.name, note: dataSet.note) }
        refreshVoronoiRegions()
    }

    static func defaultProjection(columns: Int) -> Projection {
        columns > 2 ? .pca : .axes(x: 0, y: min(1, max(0, columns - 1)))
    }

    // MARK: reading (the parts' state under the names the front ends and tests use)

    /// Every half-step of the run, oldest first.
    public var frames: [Frame] { history.frames }
    /// Index of the frame on screen.
    public var cursor: Int { history.cursor }
    /// Half-steps requested but not computed yet.
    public var pendingHalfSteps: Int { history.pendingHalfSteps }
    /// The flag handed to the jobs of the current request.
    public var cancellation: CancellationFlag { history.cancellation }
    /// Whether auto-play is on.
    public var isRunning: Bool { history.isRunning }
    /// Index into `speeds`.
    public var speedIndex: Int { history.speedIndex }
    /// Current speed, iterations per second.
    public var speed: Double { history.speed }
    /// The frame on screen.
    public var currentFrame: Frame? { history.currentFrame }
    /// Whether the screen shows the latest frame.
    public var atLatest: Bool { history.atLatest }
    /// Statistics of every iteration up to the frame on screen.
    public var statsUpToCursor: [IterationStats] { history.statsUpToCursor }
    /// Per-point labels kept across the history, in entries (see `RunHistory.labelBudget`).
    public var historyLabelBudget: Int {
        get { history.labelBudget }
        set { history.labelBudget = newValue }
    }
    /// The status line as text.
    public var message: String? { status?.text }
    /// Settings being edited in the settings overlay.
    public var draft: WorkbenchSettings { settingsEditor.draft }
    /// Data choice being edited in the settings overlay.
    public var draftDataIndex: Int { settingsEditor.dataIndex }
    /// The settings overlay's fields: label and current draft value.
    public var settingsFields: [(label: String, value: String)] { settingsEditor.fields(dataNames: dataChoices.map(\.name)) }
    /// Checkpoints of the opened model_dir, if any.
    public var checkpoints: [CheckpointEntry] { checkpointBrowser.entries }
    /// The model_dir the checkpoints came from, or why none are available.
    public var checkpointOrigin: String { checkpointBrowser.origin }
    /// The screen's layout.
    public var layout: Layout { Layout(width: screenWidth, height: screenHeight, sidePanel: view.sidePanel) }

    // MARK: run control

    /// Starts the run again with the current settings (clears the history).
    public mutating func restart() {
        history.clear()
        let problems = settings.problems(pointCount: dataSet.points.rows)
        if !problems.isEmpty { status = .cannotStart(problems: problems); return }
        engine = StepEngine(data: standardizedRunData(), settings: settings)
        if settings.initialization == .placedByHand {
            placement = Placement(plot: layout.plot)
            return
        }
        placement = nil
        do { history.start(with: try engine.initialState()) } catch { status = .cannotInitialize(reason: "\(error)") }
    }

    /// Starts a run from explicit centres (data space), e.g. a checkpoint's, keeping `globalStep`.
    public mutating func start(fromCenters centers: Matrix, globalStep: Int) {
        guard centers.columns == dataSet.points.columns else {
            status = .checkpointColumns(centers: centers.columns, data: dataSet.points.columns)
            return
        }
        settings.k = centers.rows
        settings.initialization = .placedByHand
        settingsEditor.draft = settings
        engine = StepEngine(data: standardizedRunData(), settings: settings)
        var state: KMeansState
        do { state = try engine.initialState(chosenCenters: inRunUnits(centers)) } catch {
            status = .cannotStartFromCenters(reason: "\(error)")
            return
        }
        state.globalStep = Int64(globalStep)
        placement = nil
        overlay = .none
        history.start(with: state)
        status = .continuing(step: globalStep)
    }

    /// Asks for `count` more half-steps: replays existing history first, the rest is computed.
    public mutating func requestHalfSteps(_ count: Int) { history.requestHalfSteps(count) }

    /// Asks for the rest of the current iteration (one or two half-steps, ending after an update).
    public mutating func requestIteration() { history.requestIteration() }

    /// The next computation to run, if any; the caller runs it (on any thread) and hands the frame to `accept(_:)`.
    public func nextJob() -> FrameJob? { history.nextJob(engine: engine) }

    /// Appends a computed frame, or shows the error and stops (ignored if the run changed since the job was made).
    public mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob) {
        guard history.wants(job), job.engine.settings == settings else { return }
        let frame: Frame
        switch result {
        case let .success(computed): frame = computed
        case .failure(is FrameJobCancelled): return // a newer request wants this half-step: the next job redoes it
        case let .failure(error):
            status = .stepFailed(reason: "\(error)")
            history.stopAfterFailure()
            return
        }
        history.append(frame, pointCount: dataSet.points.rows)
        if frame.phase == .updated, !settings.useMiniBatch {
            let empty = frame.clusterSizes.indices.filter { frame.clusterSizes[$0] == 0 }
            if !empty.isEmpty { status = .emptyClusters(empty, policy: settings.emptyClusterPolicy) }
        }
        if frame.converged { status = .converged(step: frame.state.globalStep, tolerance: settings.relativeTolerance) }
    }

    /// Clears the screenshot request and reports where it went (or why it failed).
    public mutating func screenshotWritten(_ report: String) {
        screenshotRequested = false
        status = .screenshot(report: report)
    }

    /// Computes every pending half-step now (tests, headless snapshots).
    public mutating func runPendingWork() {
        while let job = nextJob() { accept(job.run(), for: job) }
        finishSweep()
    }

    /// Drops requested work (e.g. the user cancelled a long computation); a job in flight is told to stop.
    public mutating func cancelPendingWork() { history.cancelPendingWork() }

    /// One auto-play frame: while running, asks for the next iteration if nothing is pending.
    public mutating func tick() { history.tick() }

    /// Records a new screen size.
    public mutating func resize(width: Int, height: Int) {
        screenWidth = width
        screenHeight = height
        let plot = layout.plot
        placement?.clamp(to: plot)
        refreshVoronoiRegions()
    }

    /// Shows the data under `projection`.
    public mutating func setProjection(_ projection: Projection) {
        view.projection = projection
        planeMap = PlaneMap(projection: projection, points: dataSet.points)
        projected = Session.project(dataSet.points, map: planeMap)
        bounds = PlotBounds(projected: projected)
        refreshVoronoiRegions()
    }

    /// The plane coordinates of the middle of a plot cell.
    public func planePoint(column: Int, row: Int, plot: Rect) -> (x: Float, y: Float) {
        let p = bounds.planePoint(column: column, row: row, plot: plot)
        return (p.x, p.y)
    }

    // MARK: settings

    /// Applies the draft settings and restarts the run.
    public mutating func applySettings() {
        let chosen = dataChoices[settingsEditor.dataIndex]
        let problems = settingsEditor.draft.problems(pointCount: chosen.points.rows)
        guard problems.isEmpty else { status = .settingsRejected(problems: problems); return }
        overlay = .none
        if chosen.name != dataSet.name {
            dataSet = chosen
            setProjection(Session.defaultProjection(columns: chosen.points.columns))
        }
        let metricChanged = settings.metric != settingsEditor.draft.metric
        settings = settingsEditor.draft
        restart()
        if metricChanged || chosen.name != dataSet.name || !checkpoints.isEmpty {
            checkpointBrowser.evaluateAll(data: dataSet.points, points: checkpointPoints, dataColumns: dataSet.points.columns, metric: settings.metric)
        }
    }

    /// Replaces the settings (as if edited and applied) and restarts.
    public mutating func apply(_ newSettings: WorkbenchSettings) {
        settingsEditor = SettingsEditor(settings: newSettings, dataIndex: currentDataIndex)
        applySettings()
    }

    private var currentDataIndex: Int { dataChoices.firstIndex { $0.name == dataSet.name } ?? 0 }
}
