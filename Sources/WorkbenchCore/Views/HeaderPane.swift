import KMeansCore

/// The header pane: data, projection and the run-state marker.
extension Renderer {
    func drawHeader(_ grid: inout CellGrid, session: Session, layout: Layout, checkpoint: (entry: CheckpointEntry, labels: [Int32], score: Double)?) {
        let bar = CellStyle(foreground: palette.tier == .mono ? .standard : palette.ink, background: palette.tier == .mono ? .standard : palette.accent,
                            attributes: palette.tier == .mono ? [.reverse] : [])
        grid.fill(x: 0, y: 0, width: layout.width, height: 1, with: Cell(" ", style: bar))
        let data = session.dataSet
        let title = " kmeans workbench │ \(data.name) \(data.points.rows)×\(data.points.columns) │ \(session.view.projection.label(columnNames: data.columnNames))"
        grid.put(session.view.unicode ? title : title.replacingScalar("│", with: "|").replacingScalar("×", with: "x"), x: 0, y: 0, style: bar, maxWidth: layout.width - 24)
        // Run-state marker at the right edge: high contrast, impossible to miss.
        let marker: String
        var style: CellStyle
        if let checkpoint {
            marker = " CHECKPOINT step \(checkpoint.entry.step) "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        } else if session.placement != nil {
            marker = " PLACING CENTRES "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        } else if session.pendingHalfSteps > 0 && !session.isRunning {
            marker = session.view.unicode ? " ⧗ COMPUTING (Esc stops) " : " COMPUTING (Esc stops) "
            style = CellStyle(foreground: palette.ink, background: palette.accent, attributes: [.bold])
        } else if session.isRunning {
            marker = (session.view.unicode ? " ▶ RUNNING " : " > RUNNING ") + "\(speedLabel(session.speed))/s "
            style = CellStyle(foreground: palette.ink, background: palette.good, attributes: [.bold])
        } else {
            marker = session.view.unicode ? " ⏸ PAUSED " : " || PAUSED "
            style = CellStyle(foreground: palette.ink, background: palette.warning, attributes: [.bold])
        }
        if palette.tier == .mono { style = CellStyle(attributes: [.bold, .reverse, .underline]) }
        let markerWidth = marker.unicodeScalars.count
        grid.put(marker, x: layout.width - markerWidth, y: 0, style: style)
    }

    func speedLabel(_ speed: Double) -> String { speed < 1 ? fixed(speed, 1) : String(Int(speed)) }
}
