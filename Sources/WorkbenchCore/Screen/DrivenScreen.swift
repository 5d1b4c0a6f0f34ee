/// What a front end drives — the terminal loop, a headless snapshot, a recording: the single run (`Session`), a
/// comparison of runs, a lesson's replay, or `WorkbenchScreen`, which switches between them.
public protocol DrivenScreen: Sendable {
    /// Whether the user asked to quit.
    var quitRequested: Bool { get }
    /// Whether auto-play is on.
    var isRunning: Bool { get }
    /// Auto-play speed, iterations per second.
    var speed: Double { get }
    /// Applies one key press or mouse event.
    mutating func handle(_ key: Key)
    /// One auto-play frame.
    mutating func tick()
    /// Asks for the rest of the current iteration (`--steps`).
    mutating func requestIteration()
    /// Records a new screen size.
    mutating func resize(width: Int, height: Int)
    /// The next computation to run, if any; its result goes to `accept(_:for:)`.
    func nextJob() -> FrameJob?
    /// Takes a computed frame (ignored when no longer wanted).
    mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob)
    /// Computes every pending half-step now (headless, tests).
    mutating func runPendingWork()
    /// The screen as cells.
    func render(with renderer: Renderer) -> CellGrid
}

extension DrivenScreen {
    /// Computes every pending half-step now (headless, tests).
    public mutating func runPendingWork() {
        while let job = nextJob() { accept(job.run(), for: job) }
    }
}

extension Session: DrivenScreen {
    /// The single-run screen.
    public func render(with renderer: Renderer) -> CellGrid { renderer.render(self) }
}

extension RunComparison: DrivenScreen {
    /// The compare screen.
    public func render(with renderer: Renderer) -> CellGrid { renderer.render(self) }
}
