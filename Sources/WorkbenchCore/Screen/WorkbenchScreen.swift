import KMeansCore

/// The whole interactive workbench: the single run, with a comparison open over it (`C`, or `--compare`), or a
/// lesson's replay (`--lesson`). Keys, jobs and drawing go to whichever is on screen.
public struct WorkbenchScreen: DrivenScreen {
    /// The single run (under a comparison: the run `C` returns to).
    public private(set) var session: Session
    /// The comparison on screen, if one is open.
    public private(set) var comparison: RunComparison?
    /// The lesson being replayed, if any (it then has the screen).
    public private(set) var lesson: LessonReplay?
    /// What the front end reported for a screenshot or export asked for on the compare or lesson screen (shown on
    /// the line above the key bar until the next key).
    public private(set) var notice: String?
    private var screenshotPending = false
    private var exportPending = false

    /// The single-run workbench.
    public init(session: Session) { self.session = session }

    /// A comparison over `session` (the base run).
    public init(session: Session, comparison: RunComparison) {
        self.session = session
        self.comparison = comparison
    }

    /// A lesson's replay; `session` is only kept for the front end's bookkeeping.
    public init(session: Session, lesson: LessonReplay) {
        self.session = session
        self.lesson = lesson
    }

    /// What `C` compares: the current settings with k-means++ and with random initial centres, same seed.
    public static func quickComparisonSpecs(_ settings: WorkbenchSettings) -> [CompareSpec] {
        ["kmeans_plus_plus", "random"].map { CompareSpec(pairs: [("init", $0), ("seed", String(settings.seed))]) }
    }

    public var quitRequested: Bool { lesson?.quitRequested ?? comparison?.quitRequested ?? session.quitRequested }
    public var isRunning: Bool { lesson?.isRunning ?? comparison?.isRunning ?? session.isRunning }
    public var speed: Double { lesson?.speed ?? comparison?.speed ?? session.speed }

    public mutating func handle(_ key: Key) {
        if comparison != nil || lesson != nil {
            notice = nil
            // w and o write what is on screen: the screen itself, and each run shown.
            switch Keymap.action(for: key, in: Keymap.main) {
            case .screenshot: screenshotPending = true; return
            case .exportRun: exportPending = true; return
            default: break
            }
        }
        if lesson != nil { lesson?.handle(key); return }
        let opensOrCloses = Keymap.action(for: key, in: Keymap.main) == .compare
        if comparison != nil {
            if opensOrCloses { comparison = nil } else { comparison?.handle(key) }
            return
        }
        guard opensOrCloses, session.overlay == .none, session.placement == nil, session.layout.fits else {
            session.handle(key)
            return
        }
        session.status = nil
        do {
            comparison = try RunComparison(dataSet: session.dataSet, base: session.settings, specs: Self.quickComparisonSpecs(session.settings),
                                           width: session.screenWidth, height: session.screenHeight, view: session.view)
            comparison?.setProjection(session.view.projection)
        } catch {
            session.status = .cannotStart(problems: ["\(error)"])
        }
    }

    public mutating func tick() {
        if lesson != nil { return }
        if comparison != nil { comparison?.tick() } else { session.tick() }
    }

    public mutating func requestIteration() {
        if lesson != nil { return }
        if comparison != nil { comparison?.requestIteration() } else { session.requestIteration() }
    }

    public mutating func resize(width: Int, height: Int) {
        session.resize(width: width, height: height)
        comparison?.resize(width: width, height: height)
        lesson?.resize(width: width, height: height)
    }

    public func nextJob() -> FrameJob? {
        if lesson != nil { return nil }
        return comparison?.nextJob() ?? (comparison == nil ? session.nextJob() : nil)
    }

    public mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob) {
        if comparison != nil { comparison?.accept(result, for: job) } else if lesson == nil { session.accept(result, for: job) }
    }

    public mutating func runPendingWork() {
        if comparison != nil { comparison?.runPendingWork() } else if lesson == nil { session.runPendingWork() }
    }

    public func render(with renderer: Renderer) -> CellGrid {
        var grid: CellGrid
        if let lesson {
            grid = lesson.render(with: renderer)
        } else if let comparison {
            let keys = RunComparison.keyBarEntries
            grid = renderer.render(comparison, chrome: Renderer.CompareChrome(keyBar: keys.dropLast() + [("C", "close")] + keys.suffix(1)))
        } else {
            return renderer.render(session)
        }
        if let notice, grid.height >= 2 {
            ExplanationView(message: notice, explanation: nil, palette: renderer.palette)
                .render(into: &grid, area: Rect(x: 0, y: grid.height - 2, width: grid.width, height: 1))
        }
        return grid
    }

    // MARK: the single run's requests (screenshot, export, a followed model_dir)

    /// Whether a screenshot of the screen was asked for (`w`).
    public var screenshotRequested: Bool { screenshotPending || session.screenshotRequested }
    /// Reports where the screenshot went.
    public mutating func screenshotWritten(_ report: String) {
        if screenshotPending { screenshotPending = false; notice = report } else { session.screenshotWritten(report) }
    }
    /// Whether the runs on screen were asked to be written out (`o`).
    public var exportRequested: Bool { exportPending || session.exportRequested }
    /// What `o` writes: the single run, or each run on the compare screen or the lesson's stop.
    public var runsToExport: [Session] {
        guard exportPending else { return [session] }
        return lesson?.stop.sessions ?? comparison?.runs ?? [session]
    }
    /// Reports where the runs went, one report per run of `runsToExport`.
    public mutating func exportWritten(_ reports: [String]) {
        let joined = reports.joined(separator: " · ")
        if exportPending {
            exportPending = false
            notice = reports.count > 1 ? "\(reports.count) runs written, a folder each: " + joined : joined
        } else {
            session.exportWritten(joined)
        }
    }
    /// What changed in the followed model_dir (checkpoints, event scalars).
    public mutating func follow(_ update: ModelDirUpdate) { session.follow(update) }

    // MARK: the single run's k sweep (it runs on its own thread, also under a comparison)

    /// Whether a k sweep is still running.
    public var sweepInProgress: Bool { session.sweepInProgress }
    /// Takes the sweep's new rows and progress; true when something changed on screen.
    public mutating func collectSweep() -> Bool { session.collectSweep() }
}

extension Renderer {
    /// Renders whatever `screen` shows.
    public func render(_ screen: WorkbenchScreen) -> CellGrid { screen.render(with: self) }
}
