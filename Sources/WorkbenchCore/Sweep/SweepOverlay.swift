import KMeansCore
import KMeansEstimator

/// The k sweep overlay's state: the range and restarts being set up, the background run, the rows it has copied
/// out, and the cursor on the chart. Its keys come from `Keymap.sweep`; the session carries out what it asks for.
public struct SweepOverlay: Sendable {
    /// A field of the set-up line.
    public enum Field: Sendable, Equatable, CaseIterable {
        /// K, the largest k (the sweep runs k = 1…K).
        case largestK
        /// Trainings per k, keeping the best.
        case restarts
    }

    /// Where the overlay is.
    public enum Phase: Sendable, Equatable {
        /// K and restarts are being chosen; Enter starts.
        case setup
        /// The sweep runs in the background.
        case running
        /// Esc was pressed; the sweep stops at its next check.
        case cancelling
        /// The sweep ended (finished, cancelled or failed).
        case ended(SweepOutcome)
    }

    /// What a key asks the session to do.
    public enum Outcome: Sendable, Equatable {
        /// Handled inside the overlay.
        case handled
        /// Start the sweep with the set-up values.
        case start
        /// Close the overlay and restart the run with this k.
        case pick(KSweepRow)
        /// Close the overlay.
        case close
        /// Quit the workbench.
        case quit
    }

    /// The most trainings per k the overlay offers.
    public static let maximumRestarts = 20

    /// K, the largest k of the sweep (k = 1…K).
    public internal(set) var largestK: Int
    /// Trainings per k.
    public internal(set) var restarts: Int
    /// The set-up field under the cursor.
    public internal(set) var field: Field = .largestK
    /// The number of points the sweep runs on (K may not exceed it).
    public let pointCount: Int
    /// The k under the chart's cursor.
    public internal(set) var cursorK: Int
    /// The rows and progress last copied from the run.
    public internal(set) var snapshot = SweepSnapshot()
    /// The background run, once started.
    public internal(set) var run: SweepRun?
    /// The settings and data the sweep runs on (a finished sweep is shown again while they are unchanged).
    public let configuration: SweepConfiguration
    /// The settings the last pick restarted the run with (the sweep still describes that run).
    var picked: WorkbenchSettings?
    /// Whether digits typed since the field was selected are being entered (the first digit replaces the value).
    private var typing = false

    /// A set-up overlay for `configuration` on `pointCount` points: K = min(10, points), 3 restarts, the cursor on
    /// the run's k.
    public init(configuration: SweepConfiguration, pointCount: Int) {
        self.configuration = configuration
        self.pointCount = pointCount
        largestK = max(1, min(10, pointCount))
        restarts = 3
        cursorK = min(max(1, configuration.settings.k), largestK)
    }

    /// Where the overlay is.
    public var phase: Phase {
        guard let run else { return .setup }
        if let outcome = snapshot.outcome { return .ended(outcome) }
        return run.isCancelRequested ? .cancelling : .running
    }

    /// Whether the background sweep has not ended (as last copied).
    public var inProgress: Bool { run != nil && snapshot.outcome == nil }

    /// Why the set-up values cannot run, as one line; nil when they can.
    public var problem: String? {
        if largestK < 1 { return "K must be at least 1 (is \(largestK))" }
        if largestK > pointCount {
            return "K = \(largestK) is more than the \(pointCount) points: choose K ≤ \(pointCount)"
        }
        if restarts < 1 { return "restarts must be at least 1 (is \(restarts))" }
        return nil
    }

    /// The row of `cursorK`, if it has finished.
    public var cursorRow: KSweepRow? { snapshot.rows.first { $0.k == cursorK } }

    /// The k values the chart spans: 1…K of the run (or of the set-up while none runs).
    public var chartRange: ClosedRange<Int> { run?.sweep.ks ?? 1...max(1, largestK) }

    /// Whether this overlay's sweep describes `dataName` under `settings` (as opened, or as a pick left them).
    func matches(dataName: String, settings: WorkbenchSettings) -> Bool {
        let current = SweepConfiguration(dataName: dataName, settings: settings)
        return configuration == current || picked.map { SweepConfiguration(dataName: dataName, settings: $0) == current } == true
    }

    /// Copies the run's rows and progress; true when they changed.
    mutating func collect() -> Bool {
        guard let run else { return false }
        let latest = run.snapshot
        guard latest != snapshot else { return false }
        snapshot = latest
        return true
    }

    /// Handles a key through `Keymap.sweep`.
    mutating func handle(_ key: Key) -> Outcome {
        let action = Keymap.action(for: key, in: Keymap.sweep)
        if action != .typeDigit && action != .deleteDigit { typing = false }
        switch action {
        case .closeOverlay:
            if inProgress {
                run?.cancel()
                return .handled
            }
            return .close
        case .moveLeft: if run == nil { adjust(by: -1) } else { moveCursor(by: -1) }
        case .moveRight: if run == nil { adjust(by: 1) } else { moveCursor(by: 1) }
        case .moveUp, .moveDown:
            if run == nil { field = field == .largestK ? .restarts : .largestK } else if !inProgress { setUpAgain() }
        case .typeDigit: if run == nil, let digit = Keymap.digit(of: key) { type(digit) }
        case .deleteDigit: if run == nil { setValue(value / 10) }
        case .confirm:
            if run == nil { return problem == nil ? .start : .handled }
            if let row = cursorRow {
                run?.cancel()
                return .pick(row)
            }
        case .quit, .interrupt: return .quit
        default: break
        }
        return .handled
    }

    /// Marks the overlay as running `run`.
    mutating func started(_ run: SweepRun) {
        self.run = run
        snapshot = SweepSnapshot()
        cursorK = min(max(run.sweep.ks.lowerBound, cursorK), run.sweep.ks.upperBound)
    }

    /// Back to the set-up (keeping K and restarts) after a sweep ended.
    private mutating func setUpAgain() {
        run = nil
        snapshot = SweepSnapshot()
    }

    private mutating func moveCursor(by step: Int) {
        let range = chartRange
        cursorK = min(max(range.lowerBound, cursorK + step), range.upperBound)
    }

    private var value: Int { field == .largestK ? largestK : restarts }

    private mutating func setValue(_ newValue: Int) {
        switch field {
        case .largestK: largestK = max(0, newValue)
        case .restarts: restarts = max(0, newValue)
        }
        cursorK = min(max(1, configuration.settings.k), max(1, largestK))
    }

    private mutating func adjust(by step: Int) {
        let upper = field == .largestK ? max(1, pointCount) : Self.maximumRestarts
        setValue(min(max(1, value + step), upper))
    }

    private mutating func type(_ digit: Int) {
        let current = typing ? value : 0
        typing = true
        setValue(current > 100_000_000 ? current : current * 10 + digit)
    }
}

/// What a sweep depends on besides its range: the data and the run's settings other than k.
public struct SweepConfiguration: Sendable, Equatable {
    /// The data set's name.
    public var dataName: String
    /// The run's settings (k is ignored when comparing).
    public var settings: WorkbenchSettings

    /// The configuration of a sweep over `dataName` under `settings`.
    public init(dataName: String, settings: WorkbenchSettings) {
        self.dataName = dataName
        self.settings = settings
    }

    /// Equal data and settings, whatever k.
    public static func == (a: SweepConfiguration, b: SweepConfiguration) -> Bool {
        var left = a.settings, right = b.settings
        left.k = 0
        right.k = 0
        return a.dataName == b.dataName && left == right
    }

    /// The initialisation the sweep uses: the run's drawn one, or k-means++ for centres placed by hand (a sweep
    /// draws its own centres for every k).
    public var initialClusters: InitialClusters {
        if case let .drawn(method) = settings.initialization { return method }
        return .kmeansPlusPlus
    }

    /// The sweep over k = 1…`largestK` with `restarts` per k, restart r seeded by the run's seed + r, trained as
    /// the run is (metric, init, mode, M, retries, tolerance, empty-cluster policy) on the whole data per step.
    public func sweep(largestK: Int, restarts: Int, columns: Int) throws -> KSweep {
        var params = StepEngine.params(settings, columns: columns, chosen: nil)
        params.initialClusters = initialClusters
        return try KSweep(ks: 1...largestK, restarts: restarts, baseSeed: Int64(truncatingIfNeeded: settings.seed), params: params)
    }
}
