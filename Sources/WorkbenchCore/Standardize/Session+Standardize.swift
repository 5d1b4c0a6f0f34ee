import KMeansCore

/// Z-scores per run (`z`): the engine clusters the standardised data while everything shown, placed or exported is
/// in the data's original units.
extension Session {
    /// Turns z-scores on or off and restarts the run.
    public mutating func toggleStandardize() {
        settings.standardize.toggle()
        settingsEditor.draft.standardize = settings.standardize
        restart()
        if status == nil { status = .standardized(settings.standardize) }
    }

    /// The data the run clusters: the z-scores of the data when `settings.standardize` is on (fitted now and kept
    /// in ``standardization``), else the data itself.
    mutating func standardizedRunData() -> Matrix {
        guard settings.standardize else { standardization = nil; return dataSet.points }
        let fitted = Standardization(fitting: dataSet.points)
        standardization = fitted
        return fitted.points
    }

    /// The data the run clusters, before the metric's normalisation: the z-scores fitted at the last restart, or
    /// the data itself.
    var runData: Matrix { standardization?.points ?? dataSet.points }

    /// Rows in original units (placed centres, a checkpoint's) in the units the run clusters.
    func inRunUnits(_ rows: Matrix) -> Matrix { standardization?.standardized(rows) ?? rows }

    /// Rows in the run's units (its centres) in the data's original units.
    public func inOriginalUnits(_ rows: Matrix) -> Matrix { standardization?.originalUnits(rows) ?? rows }

    /// `state` with its centres (and mini-batch working copy) in original units, as a saved model holds them.
    public func inOriginalUnits(_ state: KMeansState) -> KMeansState {
        guard standardization != nil else { return state }
        var out = state
        out.clusters = inOriginalUnits(state.clusters)
        out.clustersUpdated = state.clustersUpdated.map { inOriginalUnits($0) }
        return out
    }

    /// The data as the metric sees it in original units, which checkpoints (saved in original units) are scored on.
    var checkpointPoints: Matrix {
        guard standardization != nil else { return engine.points }
        return settings.metric == .cosine ? dataSet.points.l2NormalizedRows() : dataSet.points
    }
}
