import KMeansEstimator

/// The checkpoint view's toggles: auto-jump to the newest checkpoint, full-precision numbers, and which content
/// the panel shows under the list.
public struct CheckpointDisplay: Sendable, Equatable {
    /// What the panel shows under the checkpoint list.
    public enum Content: Sendable, Equatable {
        /// The event files' loss (and eval score) over the steps, checkpoints marked.
        case lossChart
        /// The selected checkpoint's centres and other variables.
        case variables
    }

    /// Whether a new newest checkpoint is shown as soon as it appears.
    public var autoJump = true
    /// Whether scores and centres show every digit of their float (else 4 significant digits).
    public var fullPrecision = false
    /// The panel's content.
    public var content = Content.lossChart

    /// The defaults: auto-jump on, short numbers, the loss chart.
    public init() {}
}

/// What a followed model_dir changed since the last look: the checkpoint list (when it changed) and the event
/// files' scalar series (when a scalar arrived).
public struct ModelDirUpdate: Sendable {
    /// The new checkpoint entries and their origin, or nil when unchanged.
    public var checkpoints: (entries: [CheckpointEntry], origin: String)?
    /// Every scalar series so far, or nil when none arrived.
    public var scalars: [EventScalarSeries]?

    /// Creates an update.
    public init(checkpoints: (entries: [CheckpointEntry], origin: String)? = nil, scalars: [EventScalarSeries]? = nil) {
        self.checkpoints = checkpoints
        self.scalars = scalars
    }
}

extension Keymap {
    /// Keys of the checkpoint view besides navigation (shown in its key bar).
    public static let checkpointView: [KeyBinding] = [
        KeyBinding(keys: [.character("a")], action: .autoJump, barLabel: "auto-jump", help: "checkpoints: jump to each new newest checkpoint on/off", section: "Checkpoints"),
        KeyBinding(keys: [.character("x")], action: .fullPrecision, barLabel: "digits", help: "checkpoints: full-precision scores and centres on/off", section: "Checkpoints"),
        KeyBinding(keys: [.tab], action: .switchPanel, barLabel: "chart/vars", help: "checkpoints: loss chart or the checkpoint's variables", section: "Checkpoints"),
    ]
}

extension CheckpointBrowser {
    /// Handles the checkpoint view's own keys (`Keymap.checkpointView`); nil for any other key. Turning auto-jump on
    /// shows the newest checkpoint.
    public mutating func handleViewKey(_ key: Key, selected: Int) -> Outcome? {
        switch Keymap.action(for: key, in: Keymap.checkpointView) {
        case .autoJump:
            display.autoJump.toggle()
            return .show(selected: display.autoJump ? max(0, entries.count - 1) : selected)
        case .fullPrecision:
            display.fullPrecision.toggle()
            return .show(selected: selected)
        case .switchPanel:
            display.content = display.content == .lossChart ? .variables : .lossChart
            return .show(selected: selected)
        default:
            return nil
        }
    }
}
