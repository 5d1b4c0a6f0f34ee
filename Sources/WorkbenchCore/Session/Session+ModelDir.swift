import KMeansCore

/// Continuing a model_dir's checkpoint: the run goes on in the model's own mode, from the checkpoint's whole state.
extension Session {
    /// Continues the run of a model_dir's checkpoint in the model's own mode: the model's settings and the
    /// checkpoint's whole state (mini-batch counts and working copy included), at its global step. Entries given
    /// by centres alone start from those centres.
    public mutating func continueRun(from entry: CheckpointEntry) {
        guard let state = entry.state, let model = entry.model, state.clusters.columns == dataSet.points.columns else {
            start(fromCenters: entry.centers, globalStep: entry.step) // says why when the columns differ
            return
        }
        settings = settings.adopting(model)
        settingsEditor.draft = settings
        engine = StepEngine(data: dataSet.points, settings: settings)
        placement = nil
        overlay = .none
        history.start(with: state)
        status = .continuing(step: Int(state.globalStep))
    }
}

extension Session {
    /// What a followed model_dir changed: new checkpoints (`followCheckpoints`) and the event scalars.
    public mutating func follow(_ update: ModelDirUpdate) {
        if let scalars = update.scalars { checkpointBrowser.setScalars(scalars) }
        if let checkpoints = update.checkpoints { followCheckpoints(checkpoints.entries, origin: checkpoints.origin) }
    }

    /// New checkpoints of a followed model_dir: the list is replaced (entries kept from the last list keep their
    /// scores); with auto-jump on, a checkpoint view moves to a new newest entry, else it stays on its step.
    public mutating func followCheckpoints(_ entries: [CheckpointEntry], origin: String) {
        let previousNewest = checkpoints.last?.step
        var selectedStep: Int?
        if case let .checkpoints(selected) = overlay, checkpoints.indices.contains(selected) { selectedStep = checkpoints[selected].step }
        setCheckpoints(entries, origin: origin)
        guard case .checkpoints = overlay else { return }
        guard !checkpoints.isEmpty else { overlay = .none; status = .noCheckpoints(origin: origin); return }
        if checkpointBrowser.display.autoJump, checkpoints.last?.step != previousNewest {
            showCheckpoint(checkpoints.count - 1)
        } else if let selectedStep, let index = checkpoints.firstIndex(where: { $0.step == selectedStep }) {
            showCheckpoint(index)
        } else {
            showCheckpoint(checkpointBrowser.clamped(0))
        }
    }
}

extension Session {
    /// Clears the export request and reports where the run went (or why it could not be written).
    public mutating func exportWritten(_ report: String) {
        exportRequested = false
        status = .export(report: report)
    }
}

/// The checkpoint browser: the model_dir's checkpoints, scored by the model's metric when they arrive.
extension Session {
    /// Provides the checkpoints of a model_dir (`origin` names it), or why there are none.
    public mutating func setCheckpoints(_ entries: [CheckpointEntry], origin: String) {
        checkpointBrowser.set(entries, origin: origin)
        checkpointBrowser.evaluateNew(data: dataSet.points, points: checkpointPoints, dataColumns: dataSet.points.columns, metric: settings.metric)
    }

    /// Opens or moves the checkpoint view to entry `index`, evaluating it there (not while drawing).
    mutating func showCheckpoint(_ index: Int) {
        overlay = .checkpoints(selected: index)
        checkpointBrowser.show(index, data: dataSet.points, points: checkpointPoints, dataColumns: dataSet.points.columns, metric: settings.metric)
    }

    /// Opens the checkpoint view on entry `index`.
    public mutating func openCheckpoints(selected index: Int) {
        guard !checkpoints.isEmpty else { return }
        showCheckpoint(checkpointBrowser.clamped(index))
    }

    /// Labels and score of the data under checkpoint `entry`'s centres (`CheckpointEvaluation.evaluate`).
    public func evaluate(_ entry: CheckpointEntry) -> (labels: [Int32], score: Double)? {
        CheckpointEvaluation.evaluate(entry, data: dataSet.points, points: checkpointPoints, dataColumns: dataSet.points.columns, metric: settings.metric)
            .map { ($0.labels, $0.score) }
    }
}
