/// Runs a lesson headless, beat by beat, through the workbench's own session and `Headless.drive`, checking every
/// `expect`; the replay on screen and `kmeans lesson check` both use it.
public struct LessonRunner {
    /// The state of the lesson where the viewer stops: at each `wait`, and at the end.
    public struct Stop: Sendable {
        /// Index of the beat (in `Lesson.beats`) the stop is at.
        public var beatIndex: Int
        /// The caption shown in place of the explanation line (nil: the workbench's own explanation).
        public var caption: String?
        /// The run, or the left and right runs of a comparison.
        public var sessions: [Session]
    }

    /// The lesson.
    public let lesson: Lesson
    /// Reads a `data file` path (relative to the lesson's folder) into a data set.
    public let loadFile: (String) throws -> DataSet

    /// Creates a runner; `loadFile` reads `data file` paths.
    public init(lesson: Lesson, loadFile: @escaping (String) throws -> DataSet) {
        self.lesson = lesson
        self.loadFile = loadFile
    }

    private struct State {
        var dataSet = DataSet.BuiltIn.uniform100.dataSet
        var settings = WorkbenchSettings()
        var view = ViewOptions()
        var comparison: (left: [LessonSetting], right: [LessonSetting])?
        var sessions: [Session] = []
        var caption: String?
    }

    /// Every stop of the lesson, or the first problem met while running it (a missing file, settings the data
    /// cannot take, a step beyond the run, an expectation that does not hold) at its line and column.
    public func run() -> Result<[Stop], LessonError> {
        var state = State()
        state.settings.seed = 1
        state.sessions = [makeSession(state, extra: [])]
        var marks: [String: State] = [:]
        var stops: [Stop] = []
        for (index, beat) in lesson.beats.enumerated() {
            func fail(_ message: String) -> Result<[Stop], LessonError> {
                .failure(LessonError(line: beat.line, column: beat.column, message: message))
            }
            switch beat.kind {
            case let .data(source):
                switch source {
                case let .sample(builtIn): state.dataSet = builtIn.dataSet
                case let .file(path):
                    do { state.dataSet = try loadFile(path) } catch { return fail("cannot read \(path): \(error)") }
                }
                if let problem = problem(state, settings: state.settings) { return fail(problem) }
                restart(&state)
            case let .set(setting):
                let settings = setting.applied(to: state.settings)
                if let problem = problem(state, settings: settings) { return fail(problem) }
                state.settings = settings
                restart(&state)
            case let .view(option, on):
                switch option {
                case .voronoi: state.view.voronoi = on
                case .trails: state.view.trails = on
                case .explain: state.view.explain = on
                }
                for i in state.sessions.indices { state.sessions[i].view = applyingView(state.view, to: state.sessions[i].view) }
            case let .keys(items, _):
                state.sessions = state.sessions.map { Headless.drive($0, steps: 0, script: items) }
            case let .caption(text): state.caption = text
            case .waitForSpace: stops.append(Stop(beatIndex: index, caption: state.caption, sessions: state.sessions))
            case let .compare(left, right):
                for side in [left, right] {
                    let settings = side.reduce(state.settings) { $1.applied(to: $0) }
                    if let problem = problem(state, settings: settings) { return fail(problem) }
                }
                state.comparison = (left, right)
                restart(&state)
            case .compareOff:
                state.comparison = nil
                restart(&state)
            case let .showStep(step):
                for i in state.sessions.indices {
                    let reached = state.sessions[i].frames.last.map { Int($0.state.globalStep) } ?? 0
                    if step > reached { return fail("step \(step) is beyond the run: it has reached step \(reached) here (step further first, e.g. `keys n*\(step - reached)`)") }
                    state.sessions[i] = Self.show(step: step, in: state.sessions[i])
                }
            case let .mark(name): marks[name] = state
            case let .back(name):
                guard let saved = marks[name] else { return fail("no earlier mark \(name)") }
                state = saved
            case let .expect(expectation, side):
                if let failure = check(expectation, side: side, state.sessions) { return fail(failure) }
            }
        }
        stops.append(Stop(beatIndex: lesson.beats.count, caption: state.caption, sessions: state.sessions))
        return .success(stops)
    }

    private func makeSession(_ state: State, extra: [LessonSetting]) -> Session {
        let settings = extra.reduce(state.settings) { $1.applied(to: $0) }
        var view = ViewOptions()
        view.marker = .braille
        view = applyingView(state.view, to: view)
        return Session(dataSet: state.dataSet, settings: settings, width: lesson.width, height: lesson.height, view: view)
    }

    private func applyingView(_ wanted: ViewOptions, to view: ViewOptions) -> ViewOptions {
        var view = view
        view.voronoi = wanted.voronoi
        view.trails = wanted.trails
        view.explain = wanted.explain
        return view
    }

    private func restart(_ state: inout State) {
        if let comparison = state.comparison {
            state.sessions = [makeSession(state, extra: comparison.left), makeSession(state, extra: comparison.right)]
        } else {
            state.sessions = [makeSession(state, extra: [])]
        }
    }

    private func problem(_ state: State, settings: WorkbenchSettings) -> String? {
        let problems = settings.problems(pointCount: state.dataSet.points.rows)
        return problems.isEmpty ? nil : problems.joined(separator: "; ") + " of \(state.dataSet.name)"
    }

    /// The session with its history moved to the frame after the update of `step` (step 0: the initial centres).
    static func show(step: Int, in session: Session) -> Session {
        var session = Headless.drive(session, steps: 0, script: [.key(.home)])
        while let frame = session.currentFrame, !session.atLatest,
              !(Int(frame.state.globalStep) == step && frame.phase != .assigned) {
            session = Headless.drive(session, steps: 0, script: [.key(.right)])
        }
        return session
    }

    private func check(_ expectation: LessonExpectation, side: LessonSide, _ sessions: [Session]) -> String? {
        func score(_ session: Session) -> Double? { session.statsUpToCursor.last?.score }
        switch expectation {
        case .leftScoreBelowRight, .leftScoreAboveRight:
            guard sessions.count == 2, let left = score(sessions[0]), let right = score(sessions[1]) else {
                return "a score comparison needs both runs to have stepped (press n first)"
            }
            let holds = expectation == .leftScoreBelowRight ? left < right : left > right
            return holds ? nil : "expected the left score \(formatCompact(left)) to be \(expectation == .leftScoreBelowRight ? "below" : "above") the right score \(formatCompact(right))"
        default: break
        }
        let chosen: [(String, Session)]
        switch side {
        case .both: chosen = sessions.count == 2 ? [("left run: ", sessions[0]), ("right run: ", sessions[1])] : [("", sessions[0])]
        case .left: chosen = [("left run: ", sessions[0])]
        case .right: chosen = [("right run: ", sessions[sessions.count - 1])]
        }
        for (label, session) in chosen {
            guard let frame = session.currentFrame else { return label + "the run has no frame" }
            let step = Int(frame.state.globalStep)
            var problem: String?
            switch expectation {
            case let .step(wanted) where wanted != step: problem = "expected step \(wanted), the run is at step \(step)"
            case let .next(phase) where frame.nextPhase != phase:
                problem = "expected the next half-step to be \(phase == .assigned ? "assign" : "update"), it is \(frame.nextPhase == .assigned ? "assign" : "update") (step \(step))"
            case .converged where !frame.converged: problem = "expected the run to have converged at step \(step); it has not (step further)"
            case .emptyCluster where frame.labels.isEmpty || !frame.clusterSizes.contains(0):
                problem = "expected an empty cluster at step \(step); sizes are \(frame.clusterSizes.map(String.init).joined(separator: ", "))"
            case .noEmptyCluster where frame.clusterSizes.contains(0) && !frame.labels.isEmpty:
                problem = "expected no empty cluster at step \(step); sizes are \(frame.clusterSizes.map(String.init).joined(separator: ", "))"
            case let .sizes(wanted) where wanted.sorted() != frame.clusterSizes.sorted() || frame.labels.isEmpty:
                problem = "expected cluster sizes \(wanted.map(String.init).joined(separator: " ")) (in any order), they are \(frame.clusterSizes.map(String.init).joined(separator: " ")) at step \(step)"
            case let .scoreBelow(limit):
                if let s = score(session), s >= limit { problem = "expected a score below \(formatCompact(limit)), it is \(formatCompact(s)) at step \(step)" }
                if score(session) == nil { problem = "expected a score, but no step has run yet" }
            case let .scoreAbove(limit):
                if let s = score(session), s <= limit { problem = "expected a score above \(formatCompact(limit)), it is \(formatCompact(s)) at step \(step)" }
                if score(session) == nil { problem = "expected a score, but no step has run yet" }
            default: break
            }
            if let problem { return label + problem }
        }
        return nil
    }
}
