import KMeansCore

/// Checkpoint, summary and logging cadence (the part of TF's `RunConfig` the estimator uses).
///
/// The random seed is not here: `KMeansClustering(randomSeed:)` plays TF's `RunConfig.tf_random_seed`.
public struct RunConfig: Sendable {
    /// Save a checkpoint every this many global steps (TF's `save_checkpoints_steps`); nil disables.
    public var saveCheckpointsSteps: Int?
    /// Save a checkpoint every this many seconds (TF's `save_checkpoints_secs`, default 600); nil disables.
    public var saveCheckpointsSecs: Double?
    /// Write the training loss summary every this many global steps (TF's `save_summary_steps`); nil or 0 disables.
    public var saveSummarySteps: Int?
    /// Checkpoints retained by the store (TF's `keep_checkpoint_max`); nil or 0 keeps all.
    public var keepCheckpointMax: Int?
    /// Report the loss every this many global steps through `log` (TF's `log_step_count_steps`).
    public var logStepCountSteps: Int?
    /// Receives progress lines; nil keeps the library silent.
    public var log: (@Sendable (String) -> Void)?

    /// Creates a run config with TF's defaults: checkpoints every 600 s, summaries every 100 steps, keep 5.
    /// Setting both `saveCheckpointsSteps` and `saveCheckpointsSecs` is rejected by `validate()`, as in TF.
    public init(
        saveCheckpointsSteps: Int? = nil,
        saveCheckpointsSecs: Double? = 600,
        saveSummarySteps: Int? = 100,
        keepCheckpointMax: Int? = 5,
        logStepCountSteps: Int? = 100,
        log: (@Sendable (String) -> Void)? = nil
    ) {
        self.saveCheckpointsSteps = saveCheckpointsSteps
        self.saveCheckpointsSecs = saveCheckpointsSteps != nil && saveCheckpointsSecs == 600 ? nil : saveCheckpointsSecs
        self.saveSummarySteps = saveSummarySteps
        self.keepCheckpointMax = keepCheckpointMax
        self.logStepCountSteps = logStepCountSteps
        self.log = log
    }

    /// Throws naming the first invalid field.
    public func validate() throws {
        if saveCheckpointsSteps != nil && saveCheckpointsSecs != nil {
            throw KMeansError.invalidArgument(argument: "config.saveCheckpointsSteps", reason: "can not provide both saveCheckpointsSteps and saveCheckpointsSecs")
        }
        if let steps = saveCheckpointsSteps, steps <= 0 {
            throw KMeansError.invalidArgument(argument: "config.saveCheckpointsSteps", reason: "must be > 0 or nil, given: \(steps)")
        }
        if let secs = saveCheckpointsSecs, !(secs.isFinite && secs > 0) {
            throw KMeansError.invalidArgument(argument: "config.saveCheckpointsSecs", reason: "must be > 0 or nil, given: \(secs)")
        }
        if let steps = saveSummarySteps, steps < 0 {
            throw KMeansError.invalidArgument(argument: "config.saveSummarySteps", reason: "must be ≥ 0 or nil, given: \(steps)")
        }
        if let keep = keepCheckpointMax, keep < 0 {
            throw KMeansError.invalidArgument(argument: "config.keepCheckpointMax", reason: "must be ≥ 0 or nil, given: \(keep)")
        }
        if let steps = logStepCountSteps, steps < 0 {
            throw KMeansError.invalidArgument(argument: "config.logStepCountSteps", reason: "must be ≥ 0 or nil, given: \(steps)")
        }
    }
}
