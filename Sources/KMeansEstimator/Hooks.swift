/// Per-run control handed to hooks: the current global step and a way to ask training to stop.
public final class RunContext {
    /// The global step (before the step in `beforeStep`, after it in `afterStep`).
    public internal(set) var globalStep: Int64
    /// True once any hook or listener asked to stop.
    public private(set) var stopRequested = false

    init(globalStep: Int64) { self.globalStep = globalStep }

    /// Asks the loop to stop after the current step (TF's `run_context.request_stop()`).
    public func requestStop() { stopRequested = true }

    /// The check registered by ``interrupt(when:)``, if any.
    public private(set) var interruption: (@Sendable () -> Bool)?

    /// Stops work inside a step as well (k-means++ initialisation) once `check` returns true: `train` then throws
    /// `KMeansError.cancelled`. Register it in a hook's `begin` (not in TF: a k-means++ init on a large input is
    /// long enough to need it).
    public func interrupt(when check: @escaping @Sendable () -> Bool) { interruption = check }
}

/// Callbacks around training, evaluation or prediction steps (TF's `SessionRunHook`). All methods have empty
/// defaults; implement the ones you need.
public protocol SessionRunHook: AnyObject {
    /// Called once before the first step.
    func begin(_ context: RunContext) throws
    /// Called before each step.
    func beforeStep(_ context: RunContext) throws
    /// Called after each step with that step's loss (for training: the pre-update sum of distances).
    func afterStep(_ context: RunContext, loss: Float) throws
    /// Called once after the last step.
    func end(_ context: RunContext) throws
}

extension SessionRunHook {
    /// Does nothing by default.
    public func begin(_ context: RunContext) throws {}
    /// Does nothing by default.
    public func beforeStep(_ context: RunContext) throws {}
    /// Does nothing by default.
    public func afterStep(_ context: RunContext, loss: Float) throws {}
    /// Does nothing by default.
    public func end(_ context: RunContext) throws {}
}

/// Callbacks around each checkpoint save during training (TF's `CheckpointSaverListener`).
public protocol CheckpointSaverListener: AnyObject {
    /// Called once when training begins.
    func begin() throws
    /// Called right before a checkpoint of `globalStep` is saved.
    func beforeSave(globalStep: Int64) throws
    /// Called right after; return true to request that training stop.
    func afterSave(globalStep: Int64, path: String) throws -> Bool
    /// Called once when training ends, after the final save.
    func end(globalStep: Int64) throws
}

extension CheckpointSaverListener {
    /// Does nothing by default.
    public func begin() throws {}
    /// Does nothing by default.
    public func beforeSave(globalStep: Int64) throws {}
    /// Never asks to stop by default.
    public func afterSave(globalStep: Int64, path: String) throws -> Bool { false }
    /// Does nothing by default.
    public func end(globalStep: Int64) throws {}
}

/// Stops training when the loss changes by less than `tolerance` relative to the previous step: TF's
/// `_LossRelativeChangeHook`, the rule `RelativeLossChange` states.
public final class LossRelativeChangeHook: SessionRunHook {
    /// The relative tolerance.
    public let tolerance: Double
    private let rule: RelativeLossChange
    private var previousLoss: Float?

    /// A hook stopping at relative loss change below `tolerance`.
    public init(tolerance: Double) {
        self.tolerance = tolerance
        rule = RelativeLossChange(tolerance: tolerance)
    }

    /// Compares `loss` with the previous step's and requests a stop below the tolerance.
    public func afterStep(_ context: RunContext, loss: Float) throws {
        if rule.isConverged(loss: loss, previous: previousLoss) { context.requestStop() }
        previousLoss = loss
    }
}
