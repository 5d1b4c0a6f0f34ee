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
