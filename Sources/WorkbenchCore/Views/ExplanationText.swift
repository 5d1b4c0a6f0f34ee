import KMeansCore

/// The explanation of the next half-step and the key bar's entries.
extension Renderer {
    // MARK: bottom lines

    /// The one-line explanation of what the next half-step does under the current metric and mode.
    public static func explanation(_ session: Session, checkpoint: (CheckpointEntry, Double)? = nil) -> String {
        if let (entry, score) = checkpoint {
            let shown = session.checkpointBrowser.display.fullPrecision ? formatFull(score) : formatCompact(score)
            return "Checkpoint step \(entry.step): score \(shown) over the data. ←/→ scrub, Enter continues training from it."
        }
        let s = session.settings
        if let placement = session.placement {
            let at = placement.cursorPoint(plot: session.layout.plot, bounds: session.bounds)
            return "Place centre \(ClusterName.of(placement.placed.count)) of \(s.k) at \(formatCompact(Double(at.x))), \(formatCompact(Double(at.y))): "
                + "arrows move (HJKL 8), Enter places (or click); Esc cancels."
        }
        guard let frame = session.currentFrame else { return "No run: fix the settings (s)." }
        if frame.converged && session.atLatest {
            return "Converged: loss changed by less than \(formatCompact(s.relativeTolerance)) (relative). n keeps stepping; r restarts."
        }
        let cosine = s.metric == .cosine
        switch (frame.nextPhase, s.useMiniBatch) {
        case (.assigned, false):
            return cosine
                ? "Next: assign. Each point joins the centre with the smallest 1 − cos (direction only)."
                : "Next: assign. Each point joins its nearest centre (squared Euclidean; ties → lower index)."
        case (.updated, false):
            let empty = s.emptyClusterPolicy == .origin ? "an empty one goes to the origin" : "an empty one jumps to the farthest point"
            return cosine
                ? "Next: update. Each centre becomes the unit mean direction of its points; \(empty)."
                : "Next: update. Each centre moves to the mean of its points; \(empty)."
        case (.assigned, true):
            let m = s.miniBatchStepsPerIteration
            let sync = m > 1 && (frame.state.updateInSteps ?? 0) <= 0 ? "Sync frozen ← working centres, then d" : "D"
            return "Next: assign. \(sync)raw batch #\(frame.state.globalStep + 1) (\(min(s.batchSize, session.dataSet.points.rows)) pts); each joins its nearest \(m > 1 ? "frozen " : "")centre."
        case (.updated, true):
            return "Next: update. A centre with n points so far and m new ones moves by (sum − m·c)/(n + m)."
        case (.initialized, _):
            return ""
        }
    }

    /// The key bar's entries for what has the keyboard.
    static func keyBarEntries(_ session: Session) -> [(key: String, label: String)] {
        switch session.overlay {
        case .help: [("↑↓", "scroll"), ("PgUp/PgDn", "page"), ("Esc", "close"), ("q", "quit")]
        case .settings: [("↑↓", "field"), ("←→", "change"), ("0-9", "type"), ("Enter", "apply+restart"), ("Esc", "cancel")]
        case .checkpoints: [("←→", "scrub"), ("Enter", "continue from here")] + Keymap.barEntries(Keymap.checkpointView) + [("Esc", "back"), ("q", "quit")]
        case .sweep: SweepView.keyBarEntries(session.sweep)
        case .none:
            session.placement != nil
                ? [("arrows", "move"), ("HJKL", "move 8"), ("Enter", "place"), ("click", "place"), ("Esc", "cancel"), ("q", "quit")]
                : Keymap.barEntries(Keymap.main)
        }
    }
}
