import KMeansCore
import KMeansEstimator

/// How points are drawn in the scatter pane.
public enum MarkerMode: String, Sendable, CaseIterable {
    /// 2×4 braille dots per cell; the cell takes its majority cluster's colour.
    case braille
    /// Two vertically stacked half-blocks per cell (foreground = top, background = bottom).
    case halfBlock = "half-block"
    /// One per-cluster glyph per cell (works in mono and in ASCII).
    case glyphs
}

/// View options that never change the run.
public struct ViewOptions: Sendable, Equatable {
    /// Marker mode.
    public var marker: MarkerMode = .braille
    /// Shade each cell by its nearest centre.
    public var voronoi: Bool = false
    /// Draw past centre positions.
    public var trails: Bool = true
    /// Show the explanation line for the next half-step.
    public var explain: Bool = true
    /// 2-D projection of the data.
    public var projection: Projection = .axes(x: 0, y: 1)
    /// Whether the terminal can show Unicode (braille, blocks, box drawing); ASCII otherwise.
    public var unicode: Bool = true

    /// Creates the defaults.
    public init() {}
}

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

    /// Creates an entry.
    public init(step: Int, name: String, centers: Matrix, initialized: Bool = true, state: KMeansState? = nil,
                model: StoredParameters? = nil) {
        self.step = step
        self.name = name
        self.centers = centers
        self.initialized = initialized
        self.state = state
        self.model = model
    }
}

/// The open-ended part of the workbench: which overlay or mode has the keyboard.
public enum Overlay: Sendable, Equatable {
    case none
    /// Help, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// Settings editor with field `selected` highlighted.
    case settings(selected: Int)
    /// Checkpoint list with entry `selected` shown over the data.
    case checkpoints(selected: Int)
}

/// The centre placement of "I'll choose" initialisation.
public struct Placement: Sendable, Equatable {
    /// Cursor cell inside the scatter plot (column, row from its top-left).
    public var cursorColumn: Int
    /// Cursor row inside the plot.
    public var cursorRow: Int
    /// Centres placed so far, in plane coordinates.
    public var placed: [(x: Float, y: Float)]

    /// Equal cursor and equal placed centres.
    public static func == (a: Placement, b: Placement) -> Bool {
        a.cursorColumn == b.cursorColumn && a.cursorRow == b.cursorRow
            && a.placed.map(\.x) == b.placed.map(\.x) && a.placed.map(\.y) == b.placed.map(\.y)
    }
}

/// The plot's data bounds in plane coordinates, fixed per data set and projection so the view does not jump.
public struct PlotBounds: Sendable, Equatable {
    /// The visible ranges of the two plane axes.
    public var minX: Float, maxX: Float, minY: Float, maxY: Float

    /// Bounds of `points` under `map`, padded by 4 % and never empty.
    public init(points: Matrix, map: PlaneMap) {
        self.init(projected: Session.project(points, map: map))
    }

    /// Bounds of plane positions given interleaved (x, y), padded by 4 % and never empty.
    init(projected: [Float]) {
        var minX = Float.infinity, maxX = -Float.infinity, minY = Float.infinity, maxY = -Float.infinity
        for i in 0..<(projected.count / 2) {
            let p = (x: projected[2 * i], y: projected[2 * i + 1])
            minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y)
        }
        if !minX.isFinite { minX = 0; maxX = 1; minY = 0; maxY = 1 }
        if maxX - minX < 1e-6 { minX -= 0.5; maxX += 0.5 }
        if maxY - minY < 1e-6 { minY -= 0.5; maxY += 0.5 }
        let padX = (maxX - minX) * 0.04, padY = (maxY - minY) * 0.04
        self.minX = minX - padX; self.maxX = maxX + padX; self.minY = minY - padY; self.maxY = maxY + padY
    }
}

/// The whole workbench state: data, settings, the history of one run, and what is on screen. A value type; every
/// change goes through `handle(_:)` or the small mutating API, so tests drive it exactly as the terminal does.
public struct Session: Sendable {
    /// Auto-play speeds in iterations per second (frames are capped at the top speed).
    public static let speeds: [Double] = [0.5, 1, 2, 4, 8, 15]

    /// The data being clustered.
    public private(set) var dataSet: DataSet
    /// Other data sets offered in the settings (built-ins plus a loaded file).
    public private(set) var dataChoices: [DataSet]
    /// Settings of the current run.
    public private(set) var settings: WorkbenchSettings
    /// Settings being edited in the settings overlay.
    public private(set) var draft: WorkbenchSettings
    /// Data choice being edited in the settings overlay.
    public private(set) var draftDataIndex: Int
    /// The step functions of the current run.
    public private(set) var engine: StepEngine
    /// The history: every half-step of the run, oldest first.
    public private(set) var frames: [Frame] = []
    /// Index of the frame on screen.
    public private(set) var cursor: Int = 0
    /// Half-steps requested but not computed yet.
    public private(set) var pendingHalfSteps: Int = 0 {
        didSet { if pendingHalfSteps == 0, oldValue > 0 { abandonComputation() } }
    }
    /// The flag handed to the jobs of the current request; set (and replaced) when their results are no longer
    /// wanted, so a computation in flight stops at its next check instead of running to the end.
    public private(set) var cancellation = CancellationFlag()
    /// Whether auto-play is on.
    public private(set) var isRunning = false
    /// Index into `speeds`.
    public private(set) var speedIndex = 2
    /// Which overlay or mode has the keyboard.
    public private(set) var overlay: Overlay = .none
    /// Centre placement in progress ("I'll choose").
    public private(set) var placement: Placement?
    /// View options.
    public var view: ViewOptions
    /// Projection fitted to the data.
    public private(set) var planeMap: PlaneMap
    /// Plot bounds.
    public private(set) var bounds: PlotBounds
    /// Every point's plane position, interleaved x, y (computed once per data set and projection).
    public private(set) var projected: [Float] = []
    /// Screen size the layout is computed for.
    public private(set) var screenWidth: Int
    /// Screen height the layout is computed for.
    public private(set) var screenHeight: Int
    /// Per-point labels kept across the history, in entries; older frames drop theirs (and their pending
    /// assignment) beyond it and recompute them when shown. About 256 MB at the default.
    public var historyLabelBudget = 64_000_000
    /// A one-line message (errors, convergence), cleared by the next key.
    public private(set) var message: String?
    /// Set when the user asked for a screenshot; the front end writes it and calls `screenshotWritten(_:)`.
    public private(set) var screenshotRequested = false
    /// Set when the user asked to quit.
    public private(set) var quitRequested = false
    /// Checkpoints of the opened model_dir, if any.
    public private(set) var checkpoints: [CheckpointEntry] = []
    /// The model_dir the checkpoints came from, or why none are available.
    public private(set) var checkpointOrigin: String = "no model_dir opened (use --model-dir DIR)"

    /// Opens a session on `dataSet` with `settings`, sized `width × height`.
    public init(dataSet: DataSet, settings: WorkbenchSettings = WorkbenchSettings(), width: Int = 100, height: Int = 30,
                extraChoices: [DataSet] = [], view: ViewOptions = ViewOptions()) {
        self.dataSet = dataSet
        var choices = [dataSet]
        for candidate in extraChoices + DataSet.builtIn.map(\.dataSet) where !choices.contains(where: { $0.name == candidate.name }) {
            choices.append(candidate)
        }
        dataChoices = choices
        var settings = settings
        settings.k = min(max(1, settings.k), max(1, dataSet.points.rows))
        self.settings = settings
        draft = settings
        draftDataIndex = 0
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
    }

    static func defaultProjection(columns: Int) -> Projection {
        columns > 2 ? .pca : .axes(x: 0, y: min(1, max(0, columns - 1)))
    }

    // MARK: reading

    /// The frame on screen.
    public var currentFrame: Frame? { frames.indices.contains(cursor) ? frames[cursor] : nil }
    /// Whether the screen shows the latest frame.
    public var atLatest: Bool { cursor == frames.count - 1 }
    /// Current speed, iterations per second.
    public var speed: Double { Session.speeds[speedIndex] }
    /// Statistics of every iteration up to the frame on screen.
    public var statsUpToCursor: [IterationStats] {
        guard !frames.isEmpty else { return [] }
        return frames[0...cursor].compactMap(\.stats)
    }

    /// Centres as drawn for `frame`.
    public func displayCenters(_ frame: Frame) -> Matrix { FrameJob.displayCenters(engine: engine, state: frame.state) }

    /// Plane positions of the centres at every updated frame up to the cursor, oldest first (for trails).
    public var centerTrail: [[(x: Float, y: Float)]] {
        guard !frames.isEmpty else { return [] }
        return frames[0...cursor].filter { $0.phase != .assigned }.map { frame in
            let c = displayCenters(frame)
            return centerPlanePositions(c, frame: frame)
        }
    }

    /// Where centre `j` is drawn. For cosine, centres are unit vectors: they are drawn along their direction at the
    /// mean length of their cluster's points so they land among the data.
    public func centerPlanePosition(_ centers: Matrix, _ j: Int, frame: Frame) -> (x: Float, y: Float) {
        var row = Array(centers.row(j))
        if settings.metric == .cosine {
            let scale = meanNorms(frame: frame, clusters: centers.rows)[j]
            row = row.map { $0 * scale }
        }
        return planeMap.project(row[...])
    }

    /// Where every centre is drawn (as `centrePlanePosition`, with one pass over the sampled points for cosine).
    public func centerPlanePositions(_ centers: Matrix, frame: Frame) -> [(x: Float, y: Float)] {
        let scales = settings.metric == .cosine ? meanNorms(frame: frame, clusters: centers.rows) : []
        return (0..<centers.rows).map { j in
            var row = Array(centers.row(j))
            if !scales.isEmpty { row = row.map { $0 * scales[j] } }
            return planeMap.project(row[...])
        }
    }

    /// Mean length of each cluster's points (of all points before the first assignment), over a sample of at most
    /// about 5000 rows; 1 for a cluster without sampled points.
    private func meanNorms(frame: Frame, clusters k: Int) -> [Float] {
        let points = dataSet.points
        var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
        var allSum = 0.0, allCount = 0
        let stride = max(1, points.rows / 5000)
        for i in Swift.stride(from: 0, to: points.rows, by: stride) {
            var s: Float = 0
            for v in points.row(i) { s += v * v }
            let norm = Double(s.squareRoot())
            if frame.labels.isEmpty {
                allSum += norm; allCount += 1
            } else if i < frame.labels.count, Int(frame.labels[i]) >= 0, Int(frame.labels[i]) < k {
                sums[Int(frame.labels[i])] += norm; counts[Int(frame.labels[i])] += 1
            }
        }
        if frame.labels.isEmpty { return [Float](repeating: allCount > 0 ? Float(allSum / Double(allCount)) : 1, count: k) }
        return (0..<k).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : 1 }
    }

    // MARK: run control

    /// Starts the run again with the current settings (clears the history).
    public mutating func restart() {
        isRunning = false
        pendingHalfSteps = 0
        frames = []
        cursor = 0
        let problems = settings.problems(pointCount: dataSet.points.rows)
        if !problems.isEmpty {
            message = "cannot start: " + problems.joined(separator: "; ") + " (press s to change the settings)"
            return
        }
        engine = StepEngine(data: dataSet.points, settings: settings)
        if settings.initialization == .manual {
            let plot = Layout(width: screenWidth, height: screenHeight).plot
            placement = Placement(cursorColumn: plot.width / 2, cursorRow: plot.height / 2, placed: [])
            return
        }
        placement = nil
        do { start(with: try engine.initialState()) } catch {
            message = "cannot initialise: \(error) (press s to change the settings)"
        }
    }

    /// Starts a run from explicit centres (data space), e.g. a checkpoint's, keeping `globalStep`.
    public mutating func start(fromCenters centers: Matrix, globalStep: Int) {
        guard centers.columns == dataSet.points.columns else {
            message = "checkpoint centres have \(centers.columns) columns, the data has \(dataSet.points.columns) (press s to choose the data the model was trained on)"
            return
        }
        settings.k = centers.rows
        settings.initialization = .manual
        draft = settings
        engine = StepEngine(data: dataSet.points, settings: settings)
        var state: KMeansState
        do { state = try engine.initialState(chosenCenters: centers) } catch {
            message = "cannot start from these centres: \(error) (press s to change the settings)"
            return
        }
        state.globalStep = Int64(globalStep)
        restart(from: state, message: "continuing from step \(globalStep)")
    }

    /// Continues the run of a model_dir's checkpoint in the model's own mode: the model's settings and the
    /// checkpoint's whole state (mini-batch counts and working copy included), at its global step.
    public mutating func continueRun(from entry: CheckpointEntry) {
        guard let state = entry.state, let model = entry.model else {
            start(fromCenters: entry.centers, globalStep: entry.step)
            return
        }
        guard state.clusters.columns == dataSet.points.columns else {
            start(fromCenters: state.clusters, globalStep: entry.step) // says why it cannot
            return
        }
        settings = settings.adopting(model)
        draft = settings
        engine = StepEngine(data: dataSet.points, settings: settings)
        restart(from: state, message: "continuing from step \(state.globalStep) in the model's own mode")
    }

    /// A new history starting at `state`, nothing pending, no overlay.
    private mutating func restart(from state: KMeansState, message: String) {
        placement = nil
        overlay = .none
        isRunning = false
        pendingHalfSteps = 0
        frames = []
        start(with: state)
        self.message = message
    }

    private mutating func start(with state: KMeansState) {
        frames = [Frame(phase: .initialized, state: state, pending: nil, labels: [], batch: [], stats: nil,
                        clusterSizes: [Int](repeating: 0, count: state.clusters.rows), converged: false)]
        cursor = 0
    }

    /// Asks for `count` more half-steps: replays existing history first, the rest is computed.
    public mutating func requestHalfSteps(_ count: Int) {
        guard !frames.isEmpty else { return }
        let replay = min(count, frames.count - 1 - cursor)
        cursor += replay
        pendingHalfSteps += count - replay
    }

    /// Asks for the rest of the current iteration (one or two half-steps, ending after an update).
    public mutating func requestIteration() {
        guard let frame = currentFrame else { return }
        requestHalfSteps(frame.phase == .assigned ? 1 : 2)
    }

    /// The next computation to run, if any; the caller runs it (on any thread) and hands the frame to `accept(_:)`.
    public func nextJob() -> FrameJob? {
        guard pendingHalfSteps > 0, atLatest, let frame = frames.last else { return nil }
        return FrameJob(engine: engine, frame: frame, previousScore: frames.last(where: { $0.stats != nil })?.stats?.score,
                        cancellation: cancellation)
    }

    /// Appends a computed frame, or shows the error and stops (ignored if the run changed since the job was made).
    public mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob) {
        guard pendingHalfSteps > 0, atLatest, job.engine.settings == settings, frames.last?.state == job.frame.state else { return }
        let frame: Frame
        switch result {
        case let .success(computed): frame = computed
        case .failure(is FrameJobCancelled): return // a newer request wants this half-step: the next job redoes it
        case let .failure(error):
            message = "step failed: \(error)"
            pendingHalfSteps = 0
            isRunning = false
            return
        }
        frames.append(frame)
        cursor = frames.count - 1
        // The assignment's per-point buffers are only needed to compute this update: free them now, so the next
        // step reuses their memory instead of touching fresh pages (a few ms per step at a million points).
        if frame.phase == .updated, frames.count >= 2 {
            frames[frames.count - 2].pending = nil
            frames[frames.count - 2].previousLabels = nil
        }
        pendingHalfSteps -= 1
        trimHistory()
        if frame.phase == .updated, !settings.useMiniBatch, let empty = frame.clusterSizes.firstIndex(of: 0) {
            let fate = settings.emptyClusterPolicy == .moveToOrigin ? "its centre went to the origin (TF)" : "its centre jumped to the farthest point"
            message = "cluster \(Character(Palette.centerLabels[empty % 26])) got no points: \(fate)"
        }
        if frame.converged {
            message = "converged at step \(frame.state.globalStep): relative loss change < \(formatCompact(settings.relativeTolerance))"
            if isRunning { isRunning = false; pendingHalfSteps = 0 }
        }
    }

    /// Drops per-point data of old frames once the history would hold more than `historyLabelBudget` labels.
    private mutating func trimHistory() {
        let n = max(1, dataSet.points.rows)
        let keep = max(4, historyLabelBudget / n / 2)
        let cutoff = frames.count - keep
        guard cutoff > 0 else { return }
        for i in 0..<cutoff where !frames[i].labels.isEmpty || frames[i].previousLabels != nil || frames[i].pending != nil {
            frames[i].labels = []
            frames[i].previousLabels = nil
            frames[i].pending = nil
        }
    }

    /// The cluster of every point as shown for the frame on screen (recomputed for trimmed history frames).
    public var displayLabels: [Int32] { displayLabels(cache: nil) }

    /// ``displayLabels``, with the recomputation for a trimmed frame kept in `cache` (the renderer's), so a frame
    /// redrawn while it stays on screen costs one assignment pass, not one per render.
    func displayLabels(cache: RasterCache?) -> [Int32] {
        guard let frame = currentFrame else { return [] }
        if !frame.labels.isEmpty || frame.phase == .initialized { return frame.labels }
        // A full-batch update shows the assignment it used, made against the previous (assigned) frame's centres.
        let state = frame.phase == .updated && !settings.useMiniBatch && cursor > 0 ? frames[cursor - 1].state : frame.state
        let centers = engine.assignmentCenters(state)
        let compute = { StepEngine.nearest(points: self.engine.points, rows: nil, centers: centers, metric: self.settings.metric).labels }
        guard let cache else { return compute() }
        let key = RasterCache.EvaluationKey(centers: centers, points: engine.points, dataColumns: engine.points.columns,
                                            metric: settings.metric)
        return cache.assignment(for: key, make: compute)
    }

    /// Clears the screenshot request and reports where it went (or why it failed).
    public mutating func screenshotWritten(_ report: String) {
        screenshotRequested = false
        message = report
    }

    /// Computes every pending half-step now (tests, headless snapshots).
    public mutating func runPendingWork() {
        while let job = nextJob() { accept(job.run(), for: job) }
    }

    /// Drops requested work (e.g. the user cancelled a long computation); a job in flight is told to stop.
    public mutating func cancelPendingWork() {
        pendingHalfSteps = 0
        isRunning = false
        abandonComputation()
    }

    /// Tells jobs in flight that their results are no longer wanted; later jobs get a fresh flag.
    private mutating func abandonComputation() {
        cancellation.cancel()
        cancellation = CancellationFlag()
    }

    /// One auto-play frame: while running, asks for the next iteration if nothing is pending.
    public mutating func tick() {
        guard isRunning, pendingHalfSteps == 0 else { return }
        if let frame = frames.last, frame.converged, atLatest { isRunning = false; return }
        if !atLatest { cursor += 1; return }
        requestIteration()
    }

    /// Records a new screen size.
    public mutating func resize(width: Int, height: Int) {
        screenWidth = width
        screenHeight = height
        if var p = placement {
            let plot = Layout(width: width, height: height).plot
            p.cursorColumn = min(max(0, p.cursorColumn), max(0, plot.width - 1))
            p.cursorRow = min(max(0, p.cursorRow), max(0, plot.height - 1))
            placement = p
        }
    }

    // MARK: keys

    /// Applies one key press or mouse event.
    public mutating func handle(_ key: Key) {
        if key == .resize { return }
        message = nil
        if placement != nil, handlePlacement(key) { return }
        switch overlay {
        case .none: break
        case let .help(scroll):
            handleHelp(key, scroll: scroll)
            return
        case let .settings(selected):
            handleSettings(key, selected: selected)
            return
        case let .checkpoints(selected):
            handleCheckpoints(key, selected: selected)
            return
        }
        guard let action = Keymap.action(for: key, in: Keymap.main) else {
            if case let .click(x, y) = key { message = "click at \(x),\(y): clicks place centres in \"I'll choose\" mode" }
            return
        }
        perform(action)
    }

    /// Performs an action of the main keymap.
    public mutating func perform(_ action: WorkbenchAction) {
        switch action {
        case .stepIteration: isRunning = false; requestIteration()
        case .halfStep: isRunning = false; requestHalfSteps(1)
        case .runPause:
            isRunning.toggle()
            if !isRunning { pendingHalfSteps = min(pendingHalfSteps, 1) }
        case .faster: speedIndex = min(Session.speeds.count - 1, speedIndex + 1)
        case .slower: speedIndex = max(0, speedIndex - 1)
        case .back:
            isRunning = false
            pendingHalfSteps = 0
            cursor = max(0, cursor - 1)
        case .forward: isRunning = false; requestHalfSteps(1)
        case .first: isRunning = false; pendingHalfSteps = 0; cursor = 0
        case .last: isRunning = false; pendingHalfSteps = 0; cursor = max(0, frames.count - 1)
        case .restart: restart()
        case .restartNewSeed:
            settings.seed &+= 1
            draft.seed = settings.seed
            restart()
        case .settings:
            isRunning = false
            draft = settings
            draftDataIndex = dataChoices.firstIndex { $0.name == dataSet.name } ?? 0
            overlay = .settings(selected: 0)
        case .checkpoints:
            isRunning = false
            if checkpoints.isEmpty { message = "checkpoints: \(checkpointOrigin)" } else {
                overlay = .checkpoints(selected: checkpoints.count - 1)
            }
        case .projection: cycleProjection()
        case .markerMode:
            let modes: [MarkerMode] = view.unicode ? MarkerMode.allCases : [.glyphs]
            let index = modes.firstIndex(of: view.marker) ?? 0
            view.marker = modes[(index + 1) % modes.count]
        case .voronoi: view.voronoi.toggle()
        case .trails: view.trails.toggle()
        case .explain: view.explain.toggle()
        case .screenshot: screenshotRequested = true
        case .help: overlay = .help(scroll: 0)
        case .closeOverlay:
            if overlay == .none, pendingHalfSteps > 0 || isRunning {
                cancelPendingWork()
                message = "stopped: pending computation cancelled"
            }
            overlay = .none
        case .quit: quitRequested = true
        case .moveUp, .moveDown, .moveLeft, .moveRight, .confirm, .pageUp, .pageDown: break
        }
    }

    private mutating func handleHelp(_ key: Key, scroll: Int) {
        let action = Keymap.action(for: key, in: Keymap.navigation) ?? (key == .character("?") ? .closeOverlay : nil)
        let page = max(1, Layout(width: screenWidth, height: screenHeight).helpBox.height - 3)
        let maxScroll = max(0, Keymap.helpLines().count - page)
        switch action {
        case .moveUp: overlay = .help(scroll: max(0, scroll - 1))
        case .moveDown: overlay = .help(scroll: min(maxScroll, scroll + 1))
        case .pageUp: overlay = .help(scroll: max(0, scroll - page))
        case .pageDown: overlay = .help(scroll: min(maxScroll, scroll + page))
        case .closeOverlay, .confirm: overlay = .none
        case .quit: quitRequested = true
        default: break
        }
    }

    private mutating func cycleProjection() {
        let d = dataSet.points.columns
        guard d > 2 else { message = "the data is \(d)-D: nothing to project"; return }
        var options: [Projection] = [.pca]
        for a in 0..<d { for b in (a + 1)..<d { options.append(.axes(x: a, y: b)) } }
        let index = options.firstIndex(of: view.projection) ?? 0
        setProjection(options[(index + 1) % options.count])
    }

    /// Shows the data under `projection`.
    public mutating func setProjection(_ projection: Projection) {
        view.projection = projection
        planeMap = PlaneMap(projection: projection, points: dataSet.points)
        projected = Session.project(dataSet.points, map: planeMap)
        bounds = PlotBounds(projected: projected)
    }

    /// Plane positions of all rows, interleaved.
    static func project(_ points: Matrix, map: PlaneMap) -> [Float] {
        var out = [Float](repeating: 0, count: points.rows * 2)
        if case let .axes(x, y) = map.projection, x < points.columns, y < points.columns {
            let d = points.columns
            points.values.withUnsafeBufferPointer { v in
                for i in 0..<points.rows { out[2 * i] = v[i * d + x]; out[2 * i + 1] = v[i * d + y] }
            }
            return out
        }
        for i in 0..<points.rows {
            let p = map.project(points.row(i))
            out[2 * i] = p.x; out[2 * i + 1] = p.y
        }
        return out
    }

    // MARK: placement ("I'll choose")

    /// Handles a key during centre placement; returns false when the key is not a placement key.
    private mutating func handlePlacement(_ key: Key) -> Bool {
        guard var p = placement else { return false }
        let layout = Layout(width: screenWidth, height: screenHeight)
        let plot = layout.plot
        switch key {
        case .up: p.cursorRow = max(0, p.cursorRow - 1)
        case .down: p.cursorRow = min(plot.height - 1, p.cursorRow + 1)
        case .left: p.cursorColumn = max(0, p.cursorColumn - 1)
        case .right: p.cursorColumn = min(plot.width - 1, p.cursorColumn + 1)
        case .enter, .character(" "):
            p.placed.append(planePoint(column: p.cursorColumn, row: p.cursorRow, plot: plot))
        case let .click(x, y):
            guard plot.contains(x: x, y: y) else { message = "click inside the plot to place a centre"; return true }
            p.cursorColumn = x - plot.x
            p.cursorRow = y - plot.y
            p.placed.append(planePoint(column: p.cursorColumn, row: p.cursorRow, plot: plot))
        case .escape:
            placement = nil
            settings.initialization = .kmeansPlusPlus
            draft = settings
            message = "placement cancelled: using k-means++"
            restart()
            return true
        case .character("q"), .control("c"): quitRequested = true; return true
        case .resize: return true
        default: return false
        }
        placement = p
        if p.placed.count >= settings.k {
            let rows = p.placed.map { planeMap.unproject(x: $0.x, y: $0.y) }
            placement = nil
            do {
                start(with: try engine.initialState(chosenCenters: Matrix(rows)))
                message = "\(settings.k) centres placed: press n to step"
            } catch {
                message = "cannot use these centres: \(error)"
            }
        }
        return true
    }

    /// The plane coordinates of the middle of a plot cell.
    public func planePoint(column: Int, row: Int, plot: Rect) -> (x: Float, y: Float) {
        let fx = (Float(column) + 0.5) / Float(max(1, plot.width))
        let fy = (Float(row) + 0.5) / Float(max(1, plot.height))
        return (bounds.minX + fx * (bounds.maxX - bounds.minX), bounds.maxY - fy * (bounds.maxY - bounds.minY))
    }

    // MARK: settings

    /// The fields of the settings overlay: label and current draft value.
    public var settingsFields: [(label: String, value: String)] {
        let d = draft
        return [
            ("data", TerminalText.sanitized(dataChoices[draftDataIndex].name)),
            ("k (clusters)", "\(d.k)"),
            ("init", d.initialization.label),
            ("k-means++ retries", "\(d.kmeansPlusPlusRetries)"),
            ("metric", d.metric.label),
            ("mode", d.useMiniBatch ? "mini-batch" : "full batch"),
            ("batch size", "\(d.batchSize)"),
            ("steps / iteration (M)", "\(d.miniBatchStepsPerIteration)"),
            ("tolerance", d.relativeTolerance == 0 ? "off" : formatCompact(d.relativeTolerance)),
            ("seed", "\(d.seed)"),
            ("empty cluster", d.emptyClusterPolicy.label),
        ]
    }

    private static let tolerances: [Double] = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    private static let batchSizes = [1, 5, 10, 16, 32, 64, 128, 256, 1024]

    private mutating func handleSettings(_ key: Key, selected: Int) {
        let count = settingsFields.count
        switch Keymap.action(for: key, in: Keymap.navigation) {
        case .moveUp: overlay = .settings(selected: (selected + count - 1) % count)
        case .moveDown: overlay = .settings(selected: (selected + 1) % count)
        case .moveLeft: adjust(field: selected, by: -1)
        case .moveRight: adjust(field: selected, by: 1)
        case .confirm: applySettings()
        case .closeOverlay: overlay = .none; draft = settings
        case .quit where key == .control("c"): quitRequested = true
        default:
            if key == .character("s") { overlay = .none; draft = settings }
        }
    }

    private mutating func adjust(field: Int, by step: Int) {
        func cycle<T: Equatable>(_ all: [T], _ value: T) -> T {
            let i = all.firstIndex(of: value) ?? 0
            return all[(i + step + all.count) % all.count]
        }
        switch field {
        case 0: draftDataIndex = (draftDataIndex + step + dataChoices.count) % dataChoices.count
        case 1: draft.k = min(26, max(1, draft.k + step))
        case 2: draft.initialization = cycle(WorkbenchSettings.Initialization.allCases, draft.initialization)
        case 3: draft.kmeansPlusPlusRetries = min(9, max(0, draft.kmeansPlusPlusRetries + step))
        case 4: draft.metric = cycle(WorkbenchSettings.Metric.allCases, draft.metric)
        case 5: draft.useMiniBatch.toggle()
        case 6: draft.batchSize = cycle(Session.batchSizes, Session.batchSizes.contains(draft.batchSize) ? draft.batchSize : 32)
        case 7: draft.miniBatchStepsPerIteration = min(20, max(1, draft.miniBatchStepsPerIteration + step))
        case 8: draft.relativeTolerance = cycle(Session.tolerances, Session.tolerances.contains(draft.relativeTolerance) ? draft.relativeTolerance : 1e-4)
        case 9: draft.seed = step < 0 ? (draft.seed == 0 ? 0 : draft.seed - 1) : draft.seed &+ 1
        case 10: draft.emptyClusterPolicy = cycle(WorkbenchSettings.EmptyClusterPolicy.allCases, draft.emptyClusterPolicy)
        default: break
        }
    }

    /// Applies the draft settings and restarts the run.
    public mutating func applySettings() {
        let chosen = dataChoices[draftDataIndex]
        let problems = draft.problems(pointCount: chosen.points.rows)
        guard problems.isEmpty else { message = problems.joined(separator: "; "); return }
        overlay = .none
        if chosen.name != dataSet.name {
            dataSet = chosen
            setProjection(Session.defaultProjection(columns: chosen.points.columns))
        }
        settings = draft
        restart()
    }

    /// Replaces the settings (as if edited and applied) and restarts.
    public mutating func apply(_ newSettings: WorkbenchSettings) {
        draft = newSettings
        draftDataIndex = dataChoices.firstIndex { $0.name == dataSet.name } ?? 0
        applySettings()
    }

    // MARK: checkpoints

    /// Provides the checkpoints of a model_dir (`origin` names it), or why there are none.
    public mutating func setCheckpoints(_ entries: [CheckpointEntry], origin: String) {
        checkpoints = entries.sorted { $0.step < $1.step }
        checkpointOrigin = origin
    }

    /// Opens the checkpoint view on entry `index`.
    public mutating func openCheckpoints(selected index: Int) {
        guard !checkpoints.isEmpty else { return }
        overlay = .checkpoints(selected: min(max(0, index), checkpoints.count - 1))
    }

    private mutating func handleCheckpoints(_ key: Key, selected: Int) {
        switch Keymap.action(for: key, in: Keymap.navigation) {
        case .moveUp, .moveLeft: overlay = .checkpoints(selected: max(0, selected - 1))
        case .moveDown, .moveRight: overlay = .checkpoints(selected: min(checkpoints.count - 1, selected + 1))
        case .pageUp: overlay = .checkpoints(selected: 0)
        case .pageDown: overlay = .checkpoints(selected: checkpoints.count - 1)
        case .confirm:
            continueRun(from: checkpoints[selected])
        case .closeOverlay: overlay = .none
        case .quit: quitRequested = true
        default: if key == .character("c") { overlay = .none }
        }
    }

    /// Labels and score of the data under checkpoint `entry`'s centres.
    public func evaluate(_ entry: CheckpointEntry) -> (labels: [Int32], score: Double)? {
        guard entry.centers.columns == dataSet.points.columns, entry.centers.rows > 0 else { return nil }
        if let scored = ModelDirCheckpoints.evaluate(entry, data: dataSet.points) { return (scored.labels, Double(scored.score)) }
        let centers = settings.metric == .cosine ? StepEngine.normalizedRows(entry.centers) : entry.centers
        let r = StepEngine.nearest(points: engine.points, rows: nil, centers: centers, metric: settings.metric)
        return (r.labels, r.loss)
    }
}

/// A number in a short, fixed format: integers below 10⁶ as is, others with 4 significant digits.
public func formatCompact(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e6 || magnitude < 1e-3 {
        var exponent = Int((log10Approx(magnitude)).rounded(.down))
        var mantissa = value / pow10(exponent)
        if abs(mantissa) >= 9.9995 { mantissa /= 10; exponent += 1 }
        return "\(fixed(mantissa, 2))e\(exponent)"
    }
    if magnitude >= 1000 { return fixed(value, 0) }
    if magnitude >= 100 { return fixed(value, 1) }
    if magnitude >= 10 { return fixed(value, 2) }
    return fixed(value, 3)
}

/// `value` with exactly `digits` decimals (no Foundation, no locale).
public func fixed(_ value: Double, _ digits: Int) -> String {
    let scale = pow10(digits)
    let scaled = (abs(value) * scale).rounded()
    let sign = value < 0 && scaled > 0 ? "-" : ""
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    guard digits > 0 else { return "\(sign)\(whole)" }
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return "\(sign)\(whole).\(fractionText)"
}

func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

func log10Approx(_ x: Double) -> Double {
    var e = 0.0, v = x
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    return e
}
