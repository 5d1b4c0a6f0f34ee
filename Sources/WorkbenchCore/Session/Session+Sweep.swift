import KMeansCore
import KMeansEstimator

/// The k sweep overlay: opened by `k` on the current data and settings, run in the background by `SweepRun`
/// (KSweep), and Enter restarts the run with the k under the cursor through the settings.
extension Session {
    /// Whether a sweep is running in the background (the front end redraws while it is, to show its progress).
    public var sweepInProgress: Bool { sweep?.inProgress ?? false }

    /// Copies a running sweep's rows and progress into the session; true when something changed (redraw).
    public mutating func collectSweep() -> Bool {
        guard var overlay = sweep, overlay.run != nil else { return false }
        let changed = overlay.collect()
        if changed { sweep = overlay }
        return changed
    }

    /// Waits for a running sweep to end and copies its rows (headless runs and tests: work done inline).
    public mutating func finishSweep() {
        guard let run = sweep?.run, sweepInProgress else { return }
        run.waitUntilFinished()
        _ = collectSweep()
    }

    /// Opens the sweep overlay: the last sweep again when the data and settings (other than k) are unchanged,
    /// otherwise a new set-up.
    mutating func openSweep() {
        history.pause()
        if sweep?.matches(dataName: dataSet.name, settings: settings) != true {
            sweep = SweepOverlay(configuration: SweepConfiguration(dataName: dataSet.name, settings: settings),
                                 pointCount: dataSet.points.rows)
        }
        overlay = .sweep
    }

    /// Handles a key in the sweep overlay.
    mutating func handleSweep(_ key: Key) {
        guard var state = sweep else { overlay = .none; return }
        _ = state.collect()
        let outcome = state.handle(key)
        sweep = state
        switch outcome {
        case .handled: break
        case .start: startSweep()
        case .close: overlay = .none
        case .quit: quitRequested = true
        case let .pick(row): pickSweepRow(row)
        }
    }

    private mutating func startSweep() {
        guard var state = sweep else { return }
        do {
            let plan = try state.configuration.sweep(largestK: state.largestK, restarts: state.restarts,
                                                      columns: dataSet.points.columns)
            // The data the run clusters (its z-scores when they are on), so a row's score is the run's with that k.
            state.started(SweepRun(sweep: plan, points: runData))
            sweep = state
        } catch {
            status = .sweepRefused(reason: "\(error)")
        }
    }

    /// Closes the overlay and restarts the run with the row's k and the seed of its best restart, so the run is
    /// the one the sweep scored.
    private mutating func pickSweepRow(_ row: KSweepRow) {
        var chosen = settings
        chosen.k = row.k
        chosen.seed = UInt64(bitPattern: row.seed)
        sweep?.picked = chosen
        apply(chosen)
        if overlay == .none { status = .sweepPicked(k: row.k, seed: row.seed, score: row.score) }
    }
}
