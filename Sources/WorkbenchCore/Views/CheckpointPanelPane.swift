import KMeansCore

/// The checkpoint panel: the model_dir's checkpoints with their scores.
extension Renderer {
    func drawCheckpointPanel(_ grid: inout CellGrid, session: Session, layout: Layout) {
        let side = layout.side
        guard case let .checkpoints(selected) = session.overlay else { return }
        grid.box(x: side.x, y: side.y, width: side.width, height: side.height, title: "Checkpoints", style: CellStyle(foreground: palette.warning), glyphs: box(session.view.unicode))
        let x = side.x + 2, w = side.width - 4
        var y = side.y + 1
        grid.put(session.checkpointOrigin, x: x, y: y, style: CellStyle(foreground: palette.muted), maxWidth: w); y += 1
        grid.put(pad("step", 8) + pad("score", 12) + "  k", x: x, y: y, style: CellStyle(foreground: palette.muted), maxWidth: w); y += 1
        let rows = side.y + side.height - 1 - y
        let first = max(0, min(selected - rows / 2, session.checkpoints.count - rows))
        for index in first..<min(session.checkpoints.count, first + max(0, rows)) {
            let entry = session.checkpoints[index]
            let scores = session.checkpointBrowser.scores
            let score = (index < scores.count ? scores[index] : nil).map(formatCompact) ?? "n/a"
            let text = pad(String(entry.step), 8) + pad(score, 12) + "  \(entry.centers.rows)"
            let style = index == selected ? CellStyle(attributes: [.reverse, .bold]) : .plain
            if index == selected { grid.fill(x: x - 1, y: y, width: w + 2, height: 1, with: Cell(" ", style: style)) }
            grid.put(text, x: x, y: y, style: style, maxWidth: w)
            y += 1
        }
    }
}
