import KMeansCore

/// A field of the settings editor, in screen order.
public enum SettingsField: Int, Sendable, CaseIterable {
    case data, k, initialization, kmeansPlusPlusRetries, metric, mode, batchSize, stepsPerIteration, tolerance, seed
    case emptyClusterPolicy

    /// The label shown left of the value.
    public var label: String {
        switch self {
        case .data: "data"
        case .k: "k (clusters)"
        case .initialization: "init"
        case .kmeansPlusPlusRetries: "k-means++ retries"
        case .metric: "metric"
        case .mode: "mode"
        case .batchSize: "batch size"
        case .stepsPerIteration: "steps / iteration (M)"
        case .tolerance: "tolerance"
        case .seed: "seed"
        case .emptyClusterPolicy: "empty cluster"
        }
    }

    /// Whether digits typed on the field replace its value.
    public var takesDigits: Bool { [.k, .kmeansPlusPlusRetries, .batchSize, .stepsPerIteration, .seed].contains(self) }
}

/// The settings overlay's state: a draft of the settings and data choice, and the field under the cursor.
public struct SettingsEditor: Sendable {
    /// What a key did to the editor.
    public enum Outcome: Sendable, Equatable {
        /// The key was handled (or ignored) inside the editor.
        case editing
        /// Apply the draft and restart.
        case apply
        /// Close without applying.
        case cancel
        /// Quit the workbench.
        case quit
        /// Open the typed data file (the data field's path, `~` expanded).
        case open(String)
    }

    /// Settings being edited.
    public var draft: WorkbenchSettings
    /// Index of the data choice being edited.
    public var dataIndex: Int
    /// Field under the cursor.
    public private(set) var selected: SettingsField = .data
    /// Whether digits typed since the field was selected are being entered (the first digit replaces the value).
    private var typing = false
    /// A file path being typed on the data field (started by `/`, `~`, `.` or Tab), nil when none is.
    public internal(set) var typedPath: String?
    /// What the path field says under the fields: completion candidates, or why the file did not open.
    public internal(set) var pathNote: String?

    private static let tolerances: [Double] = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    private static let batchSizes = [1, 5, 10, 16, 32, 64, 128, 256, 1024]

    /// An editor on `settings` with data choice `dataIndex`.
    public init(settings: WorkbenchSettings, dataIndex: Int) {
        draft = settings
        self.dataIndex = dataIndex
    }

    /// The fields with their current draft values, `dataNames` naming the data choices.
    public func fields(dataNames: [String]) -> [(label: String, value: String)] {
        SettingsField.allCases.map { ($0.label, value(of: $0, dataNames: dataNames)) }
    }

    private func value(of field: SettingsField, dataNames: [String]) -> String {
        let d = draft
        switch field {
        case .data: return TerminalText.sanitized(typedPath.map { $0 + "_" } ?? dataNames[dataIndex])
        case .k: return "\(d.k)"
        case .initialization: return d.initialization.label
        case .kmeansPlusPlusRetries: return "\(d.kmeansPlusPlusRetries)"
        case .metric: return d.metric.label
        case .mode: return d.useMiniBatch ? "mini-batch" : "full batch"
        case .batchSize: return "\(d.batchSize)"
        case .stepsPerIteration: return "\(d.miniBatchStepsPerIteration)"
        case .tolerance: return d.relativeTolerance == 0 ? "off" : formatCompact(d.relativeTolerance)
        case .seed: return "\(d.seed)"
        case .emptyClusterPolicy: return d.emptyClusterPolicy.label
        }
    }

    /// Handles a key through the navigation keymap; `dataCount` is the number of data choices.
    public mutating func handle(_ key: Key, dataCount: Int) -> Outcome {
        if selected == .data, let outcome = handlePath(key) { return outcome }
        let fields = SettingsField.allCases
        let action = Keymap.action(for: key, in: Keymap.navigation)
        if action != .typeDigit && action != .deleteDigit { typing = false }
        switch action {
        case .moveUp: selected = fields[(selected.rawValue + fields.count - 1) % fields.count]
        case .moveDown: selected = fields[(selected.rawValue + 1) % fields.count]
        case .moveLeft: adjust(by: -1, dataCount: dataCount)
        case .moveRight: adjust(by: 1, dataCount: dataCount)
        case .typeDigit: if let digit = Keymap.digit(of: key) { type(digit) }
        case .deleteDigit: deleteDigit()
        case .confirm: return .apply
        case .closeOverlay: return .cancel
        case .interrupt: return .quit
        default: if Keymap.isMainKey(key, for: .settings) { return .cancel }
        }
        return .editing
    }

    /// Replaces (first digit) or extends the selected number field; k and M stay at least 1.
    private mutating func type(_ digit: Int) {
        guard selected.takesDigits else { return }
        let current = typing ? number(selected) : 0
        typing = true
        let next = current > 100_000_000 ? current : current * 10 + digit
        setNumber(selected, next)
    }

    private mutating func deleteDigit() {
        guard selected.takesDigits else { return }
        typing = true
        setNumber(selected, number(selected) / 10)
    }

    private func number(_ field: SettingsField) -> Int {
        switch field {
        case .k: draft.k
        case .kmeansPlusPlusRetries: draft.kmeansPlusPlusRetries
        case .batchSize: draft.batchSize
        case .stepsPerIteration: draft.miniBatchStepsPerIteration
        case .seed: Int(clamping: draft.seed)
        default: 0
        }
    }

    private mutating func setNumber(_ field: SettingsField, _ value: Int) {
        switch field {
        case .k: draft.k = value
        case .kmeansPlusPlusRetries: draft.kmeansPlusPlusRetries = value
        case .batchSize: draft.batchSize = value
        case .stepsPerIteration: draft.miniBatchStepsPerIteration = value
        case .seed: draft.seed = UInt64(max(0, value))
        default: break
        }
    }

    private mutating func adjust(by step: Int, dataCount: Int) {
        func cycle<T: Equatable>(_ all: [T], _ value: T) -> T {
            let i = all.firstIndex(of: value) ?? 0
            return all[(i + step + all.count) % all.count]
        }
        switch selected {
        case .data: dataIndex = (dataIndex + step + dataCount) % dataCount
        case .k: draft.k = max(1, draft.k + step)
        case .initialization: draft.initialization = cycle(CenterInitialization.choices, draft.initialization)
        case .kmeansPlusPlusRetries: draft.kmeansPlusPlusRetries = min(9, max(0, draft.kmeansPlusPlusRetries + step))
        case .metric: draft.metric = cycle(DistanceMetric.allCases, draft.metric)
        case .mode: draft.useMiniBatch.toggle()
        case .batchSize: draft.batchSize = Self.nextBatchSize(after: draft.batchSize, step: step)
        case .stepsPerIteration: draft.miniBatchStepsPerIteration = min(20, max(1, draft.miniBatchStepsPerIteration + step))
        case .tolerance:
            draft.relativeTolerance = cycle(Self.tolerances, Self.tolerances.contains(draft.relativeTolerance) ? draft.relativeTolerance : 1e-4)
        case .seed: draft.seed = step < 0 ? (draft.seed == 0 ? 0 : draft.seed - 1) : draft.seed &+ 1
        case .emptyClusterPolicy: draft.emptyClusterPolicy = cycle(EmptyClusterPolicy.allCases, draft.emptyClusterPolicy)
        }
    }

    /// The preset batch size after (step > 0) or before `size`; a typed size between presets goes to its neighbour.
    static func nextBatchSize(after size: Int, step: Int) -> Int {
        if let i = batchSizes.firstIndex(of: size) { return batchSizes[(i + step + batchSizes.count) % batchSizes.count] }
        if step > 0 { return batchSizes.first { $0 > size } ?? batchSizes[0] }
        return batchSizes.last { $0 < size } ?? batchSizes[batchSizes.count - 1]
    }

    /// The data field's path typing: nil when `key` is not part of it (then it acts as usual).
    private mutating func handlePath(_ key: Key) -> Outcome? {
        guard var path = typedPath else {
            switch key {
            case let .character(c) where "/~.".contains(c): typedPath = String(c); pathNote = nil; return .editing
            case .tab: typedPath = ""; complete(); return .editing
            default: return nil
            }
        }
        switch key {
        case let .character(c): path.append(c); typedPath = path; pathNote = nil
        case .backspace:
            path.removeLast()
            typedPath = path.isEmpty ? nil : path
            pathNote = nil
        case .tab: complete()
        case .enter: return path.isEmpty ? .editing : .open(PathCompletion.expandingTilde(path))
        case .escape: typedPath = nil; pathNote = nil
        case .up, .down: typedPath = nil; pathNote = nil; return nil
        case .control("c"): return .quit
        default: break
        }
        return .editing
    }

    /// Tab on the path: completes it and lists the names still matching.
    private mutating func complete() {
        let typed = typedPath ?? ""
        let completion = PathCompletion.complete(typed)
        typedPath = completion.text
        if !completion.candidates.isEmpty {
            pathNote = completion.candidates.joined(separator: "  ")
        } else if completion.text == PathCompletion.expandingTilde(typed) {
            pathNote = "no file name starts with \"\(typed)\""
        } else {
            pathNote = nil
        }
    }

    /// The typed file did not open: the reason is shown, the path kept for correcting.
    mutating func pathFailed(_ reason: String) { pathNote = reason }

    /// The typed file opened as data choice `index`.
    mutating func pathOpened(dataIndex index: Int) {
        dataIndex = index
        typedPath = nil
        pathNote = nil
    }
}
