import Foundation
import KMeansCore

extension KMeansClustering {
    /// Trains on the batches of `input` (TF's `train`).
    ///
    /// Restores the latest checkpoint (or starts fresh and saves `model.ckpt-0`), offers batches to
    /// initialization until k centres exist (the batch that completes it is also trained on), then runs one
    /// training step per batch until `steps` more steps, `maxSteps` in total, the end of the input, or a stop
    /// request from a hook or listener. Saves checkpoints per `config` and at the end. A streamed input
    /// (``InputFunction/streamed(_:)``, full batch only) runs every step as one pass over rows outside memory.
    ///
    /// - Parameters:
    ///   - input: the input function; called once per `train`.
    ///   - hooks: callbacks around each step (a `LossRelativeChangeHook` is added when `relativeTolerance` is set).
    ///   - steps: number of additional steps; must be > 0.
    ///   - maxSteps: total global steps to reach; must be > 0; returns at once when already reached.
    ///   - savingListeners: callbacks around each checkpoint save.
    /// - Returns: self, for chaining.
    /// - Throws: `KMeansError.cancelled` when a hook's ``RunContext/interrupt(when:)`` check fires during k-means++
    ///   initialisation (the checkpoints saved before stay).
    @discardableResult
    public func train(
        input: InputFunction,
        hooks: [any SessionRunHook] = [],
        steps: Int? = nil,
        maxSteps: Int? = nil,
        savingListeners: [any CheckpointSaverListener] = []
    ) throws -> KMeansClustering {
        if steps != nil && maxSteps != nil {
            throw KMeansError.invalidArgument(argument: "steps", reason: "Can not provide both steps and max_steps.")
        }
        if let steps, steps <= 0 {
            throw KMeansError.invalidArgument(argument: "steps", reason: "Must specify steps > 0, given: \(steps)")
        }
        if let maxSteps, maxSteps <= 0 {
            throw KMeansError.invalidArgument(argument: "maxSteps", reason: "Must specify max_steps > 0, given: \(maxSteps)")
        }
        var state = try restoreState(checkpointPath: nil) ?? modelFunction.initialState()
        if let maxSteps, state.globalStep >= Int64(maxSteps) {
            log("Skipping training since max_steps has already saved.")
            return self
        }
        let lastStep: Int64? = steps.map { state.globalStep + Int64($0) } ?? maxSteps.map { Int64($0) }

        var allHooks = hooks
        if let tolerance = params.relativeTolerance { allHooks.append(LossRelativeChangeHook(tolerance: tolerance)) }
        let context = RunContext(globalStep: state.globalStep)
        for hook in allHooks { try hook.begin(context) }
        for listener in savingListeners { try listener.begin() }

        // TF's CheckpointSaverHook saves the restored (or fresh, pre-initialization) state first.
        if try save(state, listeners: savingListeners) { context.requestStop() }
        var lastSavedStep = state.globalStep
        var lastSaveTime = Date()

        // A step-indexed input opens at the global step, so resuming continues the data.
        var stream = try input.makeStream(atGlobalStep: state.globalStep)
        var inputEnded = false
        // Full batch: carries Hamerly's bounds and the validated (normalised) batch between steps on the same data.
        var engine = AssignmentEngine(algorithm: params.algorithm)
        func nextPoints() throws -> Matrix? {
            guard let batch = try stream.next() else { inputEnded = true; return nil }
            return try parseFeatures(batch.features, featureColumns: featureColumns)
        }
        // Data outside memory: every step is one streamed pass over all of it (full batch).
        let streamed = input.streamedRows
        if streamed != nil, params.useMiniBatch {
            throw KMeansError.invalidArgument(argument: "input", reason: "streamed rows train full batch only (useMiniBatch false)")
        }
        while !context.stopRequested {
            if let lastStep, state.globalStep >= lastStep { break }
            let runStep: (KMeansState) throws -> StepSummary
            if let streamed {
                state = try modelFunction.streamedInitialize(state, rows: streamed.rows, columns: streamed.columns, readRows: streamed.gather)
                runStep = { try self.modelFunction.streamedTrainStep($0, rows: streamed.rows, columns: streamed.columns,
                                                                 chunkRows: streamed.chunkRows, threads: streamed.threads, load: streamed.load) }
            } else {
                guard var points = try nextPoints() else { break }
                if !state.initialized {
                    var model = modelFunction
                    model.isCancelled = context.interruption
                    let outcome = try TrainingInitialization.run(state, model: model, engine: &engine, first: points, next: nextPoints)
                    state = outcome.state
                    points = outcome.lastBatch
                    if outcome.batchesUsed > 1, input.isStepIndexed {
                        // Initialisation took extra batches; training still takes its step's own batch.
                        stream = try input.makeStream(atGlobalStep: state.globalStep)
                        guard let first = try nextPoints() else { break }
                        points = first
                    }
                }
                runStep = { [points] in try self.modelFunction.trainStepSummary($0, batch: points, engine: &engine) }
            }
            context.globalStep = state.globalStep
            for hook in allHooks { try hook.beforeStep(context) }
            let result = try runStep(state)
            state = result.state
            let step = state.globalStep
            context.globalStep = step
            if let every = config.saveSummarySteps, every > 0, step % Int64(every) == 0 {
                try summarySink.addScalar("loss", value: result.loss, step: step, directory: .training)
                try summarySink.addScalar("loss/raw", value: result.loss, step: step, directory: .training)
            }
            if let every = config.logStepCountSteps, every > 0, step % Int64(every) == 0 {
                log("loss = \(result.loss), step = \(step)")
            }
            for hook in allHooks { try hook.afterStep(context, loss: result.loss) }
            let dueBySteps = config.saveCheckpointsSteps.map { step - lastSavedStep >= Int64($0) } ?? false
            let dueBySecs = config.saveCheckpointsSecs.map { Date().timeIntervalSince(lastSaveTime) >= $0 } ?? false
            if dueBySteps || dueBySecs {
                if try save(state, listeners: savingListeners) { context.requestStop() }
                lastSavedStep = step
                lastSaveTime = Date()
            }
        }
        if inputEnded && !state.initialized {
            throw KMeansError.initializationFailed("the input ended after \(state.clusters.rows) of k = \(params.effectiveNumClusters) centres were chosen")
        }
        if state.globalStep != lastSavedStep {
            _ = try save(state, listeners: savingListeners)
        }
        log("Loss for final step: global_step = \(state.globalStep)")
        for listener in savingListeners { try listener.end(globalStep: state.globalStep) }
        context.globalStep = state.globalStep
        for hook in allHooks { try hook.end(context) }
        return self
    }
}
