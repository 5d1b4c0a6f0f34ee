/// A lesson: a scripted sequence of beats the workbench replays (parsed from the plain-text format of
/// docs/WORKBENCH.md by `LessonParser`).
public struct Lesson: Sendable, Equatable {
    /// The `title` line, if any.
    public var title: String?
    /// Screen size for headless runs and recordings (`size` line; default 100×30).
    public var width = 100, height = 30
    /// The beats in file order.
    public var beats: [LessonBeat] = []

    /// Creates an empty lesson.
    public init() {}

    /// The beats the viewer steps through with Space (every `wait`), counted for the "lesson 3/12" header.
    public var stopCount: Int { beats.filter { $0.kind == .waitForSpace }.count }
}

/// One instruction of a lesson, with where it was written.
public struct LessonBeat: Sendable, Equatable {
    /// 1-based line of the instruction.
    public var line: Int
    /// 1-based column of its argument (where errors found while running it point).
    public var column: Int
    /// What it does.
    public var kind: Kind

    /// Creates a beat.
    public init(line: Int, column: Int = 1, kind: Kind) {
        self.line = line
        self.column = column
        self.kind = kind
    }

    /// The typed instructions.
    public enum Kind: Sendable, Equatable {
        /// Open this data (restarts the run with the current settings).
        case data(LessonData)
        /// Change one setting (restarts the run, as the settings overlay's apply does).
        case set(LessonSetting)
        /// Turn a view option on or off.
        case view(LessonViewOption, Bool)
        /// Press these keys (checked against the workbench keymap), `text` as written.
        case keys([Key.ScriptItem], text: String)
        /// Show this text in place of the explanation line, until the next caption.
        case caption(String)
        /// Stop until the viewer presses Space.
        case waitForSpace
        /// Show two runs side by side that differ from the current settings as given; keys then drive both.
        case compare(left: [LessonSetting], right: [LessonSetting])
        /// Back to one run.
        case compareOff
        /// Move the history to the frame after the update of this global step (it must already have been computed).
        case showStep(Int)
        /// Name this point of the lesson for a later `back`.
        case mark(String)
        /// Return the run(s) to their state at `mark NAME`; the lesson continues with the next line.
        case back(to: String)
        /// A check of where the run is; a lesson whose expectation fails does not pass `kmeans lesson check`.
        case expect(LessonExpectation, side: LessonSide)
    }
}

/// Where a lesson's data comes from.
public enum LessonData: Sendable, Equatable {
    /// A built-in sample.
    case sample(DataSet.BuiltIn)
    /// A CSV/TSV/NPY file, relative to the lesson file's folder.
    case file(String)
}

/// A setting a lesson can change, with its value.
public enum LessonSetting: Sendable, Equatable {
    case k(Int)
    case initialization(WorkbenchSettings.Initialization)
    case seed(UInt64)
    case metric(WorkbenchSettings.Metric)
    case batchSize(Int?)
    case stepsPerIteration(Int)
    case tolerance(Double)
    case emptyClusters(WorkbenchSettings.EmptyClusterPolicy)
    case retries(Int)

    /// `settings` with this one changed.
    public func applied(to settings: WorkbenchSettings) -> WorkbenchSettings {
        var s = settings
        switch self {
        case let .k(value): s.k = value
        case let .initialization(value): s.initialization = value
        case let .seed(value): s.seed = value
        case let .metric(value): s.metric = value
        case let .batchSize(value):
            s.useMiniBatch = value != nil
            if let value { s.batchSize = value }
        case let .stepsPerIteration(value): s.miniBatchStepsPerIteration = value
        case let .tolerance(value): s.relativeTolerance = value
        case let .emptyClusters(value): s.emptyClusterPolicy = value
        case let .retries(value): s.kmeansPlusPlusRetries = value
        }
        return s
    }
}

/// View options a lesson can switch.
public enum LessonViewOption: String, Sendable, CaseIterable {
    case voronoi, trails, explain
}

/// Which run of a comparison an expectation is about.
public enum LessonSide: String, Sendable, Equatable {
    /// The one run, or both runs of a comparison.
    case both, left, right
}

/// What an `expect` line checks.
public enum LessonExpectation: Sendable, Equatable {
    /// The frame on screen is at this global step.
    case step(Int)
    /// The next half-step is this one.
    case next(Frame.Phase)
    /// The run has converged (relative loss change below the tolerance).
    case converged
    /// Some cluster has no point.
    case emptyCluster
    /// Every cluster has at least one point.
    case noEmptyCluster
    /// The clusters have these sizes, in any order.
    case sizes([Int])
    /// The latest score is below / above a value.
    case scoreBelow(Double), scoreAbove(Double)
    /// (Comparisons) the left run's latest score is below / above the right run's.
    case leftScoreBelowRight, leftScoreAboveRight
}

/// A problem in a lesson file, at a line and column (1-based).
public struct LessonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where.
    public var line: Int, column: Int
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `LINE:COLUMN: message`.
    public var description: String { "\(line):\(column): \(message)" }
}
