import KMeansCore

/// The history of one run: every half-step computed so far, the frame on screen, half-steps asked for but not yet
/// computed, and auto-play. It owns the stepping and history keys of the main keymap.
public struct RunHistory: Sendable {
    /// Auto-play speeds in iterations per second (frames are capped at the top speed).
    public static let speeds: [Double] = [0.5, 1, 2, 4, 8, 15]

    /// Every half-step of the run, oldest first.
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
    /// Per-point labels kept across the history, in entries; older frames drop theirs (and their pending
    /// assignment) beyond it and recompute them when shown. About 256 MB at the default.
    public var labelBudget = 64_000_000

    /// An empty history.
    public init() {}

    /// The frame on screen.
    public var currentFrame: Frame? { frames.indices.contains(cursor) ? frames[cursor] : nil }
    /// Whether the screen shows the latest frame.
    public var atLatest: Bool { cursor == frames.count - 1 }
    /// Current speed, iterations per second.
    public var speed: Double { Self.speeds[speedIndex] }
    /// Statistics of every iteration up to the frame on screen.
    public var statsUpToCursor: [IterationStats] {
        guard !frames.isEmpty else { return [] }
        return frames[0...cursor].compactMap(\.stats)
    }

    /// Clears the history and stops.
    public mutating func clear() {
        isRunning = false
        pendingHalfSteps = 0
        frames = []
        cursor = 0
    }

    /// Starts a fresh history at `state`.
    public mutating func start(with state: KMeansState) {
        clear()
        frames = [Frame(phase: .initialized, state: state, pending: nil, labels: [], batch: [], stats: nil,
                        clusterSizes: [Int](repeating: 0, count: state.clusters.rows), converged: false)]
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

    /// The next computation to run on `engine`, if any.
    public func nextJob(engine: StepEngine) -> FrameJob? {
        guard pendingHalfSteps > 0, atLatest, let frame = frames.last else { return nil }
        return FrameJob(engine: engine, frame: frame, previousScore: frames.last(where: { $0.stats != nil })?.stats?.score,
                        cancellation: cancellation)
    }

    /// Whether `job`'s result still belongs at the end of this history.
    public func wants(_ job: FrameJob) -> Bool {
        pendingHalfSteps > 0 && atLatest && frames.last?.state == job.frame.state
    }

    /// Appends a computed frame, dropping per-point data the history no longer needs; `pointCount` sizes the budget.
    public mutating func append(_ frame: Frame, pointCount: Int) {
        frames.append(frame)
        cursor = frames.count - 1
        // The assignment's per-point buffers are only needed to compute this update: free them now, so the next
        // step reuses their memory instead of touching fresh pages (a few ms per step at a million points).
        if frame.phase == .updated, frames.count >= 2 {
            frames[frames.count - 2].pending = nil
            frames[frames.count - 2].previousLabels = nil
        }
        pendingHalfSteps -= 1
        trim(pointCount: pointCount)
        if frame.converged, isRunning { isRunning = false; pendingHalfSteps = 0 }
    }

    /// Drops per-point data of old frames once the history would hold more than `labelBudget` labels.
    private mutating func trim(pointCount: Int) {
        let keep = max(4, labelBudget / max(1, pointCount) / 2)
        let cutoff = frames.count - keep
        guard cutoff > 0 else { return }
        for i in 0..<cutoff where !frames[i].labels.isEmpty || frames[i].previousLabels != nil || frames[i].pending != nil {
            frames[i].labels = []
            frames[i].previousLabels = nil
            frames[i].pending = nil
        }
    }

    /// Stops after a failed step.
    public mutating func stopAfterFailure() {
        pendingHalfSteps = 0
        isRunning = false
    }

    /// Drops requested work; a job in flight is told to stop.
    public mutating func cancelPendingWork() {
        pendingHalfSteps = 0
        isRunning = false
        abandonComputation()
    }

    /// Whether work is asked for or auto-play is on.
    public var isBusy: Bool { pendingHalfSteps > 0 || isRunning }

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

    /// Stops auto-play (e.g. when an overlay opens).
    public mutating func pause() { isRunning = false }

    /// Performs a stepping or history action of the main keymap; false for any other action.
    public mutating func perform(_ action: WorkbenchAction) -> Bool {
        switch action {
        case .stepIteration: isRunning = false; requestIteration()
        case .halfStep, .forward: isRunning = false; requestHalfSteps(1)
        case .runPause:
            isRunning.toggle()
            if !isRunning { pendingHalfSteps = min(pendingHalfSteps, 1) }
        case .faster: speedIndex = min(Self.speeds.count - 1, speedIndex + 1)
        case .slower: speedIndex = max(0, speedIndex - 1)
        case .back: isRunning = false; pendingHalfSteps = 0; cursor = max(0, cursor - 1)
        case .first: isRunning = false; pendingHalfSteps = 0; cursor = 0
        case .last: isRunning = false; pendingHalfSteps = 0; cursor = max(0, frames.count - 1)
        default: return false
        }
        return true
    }
}
