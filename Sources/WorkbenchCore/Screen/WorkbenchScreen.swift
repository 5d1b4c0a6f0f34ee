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
        if let lesson { return lesson.render(with: renderer) }
        if let comparison {
            let keys = RunComparison.keyBarEntries
            return renderer.render(comparison, chrome: Renderer.CompareChrome(keyBar: keys.dropLast() + [("C", "close")] + keys.suffix(1)))
        }
        return renderer.render(session)
    }

    // MARK: the single run's requests (screenshot, export, a followed model_dir)

    /// Whether the single run asked for a screenshot.
    public var screenshotRequested: Bool { session.screenshotRequested }
    /// Reports where the screenshot went.
    public mutating func screenshotWritten(_ report: String) { session.screenshotWritten(report) }
    /// Whether the single run asked to be written out.
    public var exportRequested: Bool { session.exportRequested }
    /// Reports where the run went.
    public mutating func exportWritten(_ report: String) { session.exportWritten(report) }
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
