import KMeansCore

/// Turns a `Session` into a `CellGrid`. Pure: the same session, size and tier always give the same grid.
public struct Renderer: Sendable {
    /// Colours reduced to the terminal's tier.
    public let palette: Palette

    /// The last point raster, reused while its inputs are unchanged (nil: always rebuilt).
    let cache: RasterCache?

    /// Creates a renderer for `tier`. With `cachesRasterisation` (the default) it keeps the last rasterised points
    /// and reuses them while the labels, data, projection and plot size are unchanged; without it every frame is
    /// rasterised from scratch (same output, for measuring the cold cost). Voronoi regions come from the session.
    public init(tier: ColorTier, cachesRasterisation: Bool = true) {
        palette = Palette(tier: tier)
        cache = cachesRasterisation ? RasterCache() : nil
    }

    /// Renders `session` at its screen size.
    public func render(_ session: Session) -> CellGrid {
        let layout = session.layout
        var grid = CellGrid(width: layout.width, height: layout.height)
        guard layout.fits else {
            TooSmallView(width: layout.width, height: layout.height, unicode: session.view.unicode, palette: palette)
                .render(into: &grid, area: Rect(x: 0, y: 0, width: layout.width, height: layout.height))
            return grid
        }
        let checkpoint = checkpointView(session)
        HeaderView(session: session, checkpointStep: checkpoint?.entry.step, palette: palette).render(into: &grid, area: layout.header)
        ScatterView(session: session, palette: palette, cache: cache).render(into: &grid, area: layout.pane)
        if layout.sideWidth > 0 {
            if checkpoint != nil { drawCheckpointPanel(&grid, session: session, layout: layout) } else {
                SidePanelView(session: session, palette: palette, cache: cache).render(into: &grid, area: layout.side)
            }
        }
        let explains = session.view.explain || checkpoint != nil || session.placement != nil
        ExplanationView(message: session.message,
                        explanation: explains ? Renderer.explanation(session, checkpoint: checkpoint.map { ($0.entry, $0.score) }) : nil,
                        palette: palette).render(into: &grid, area: layout.explanation)
        KeyBarView(entries: Renderer.keyBarEntries(session), unicode: session.view.unicode).render(into: &grid, area: layout.keyBar)
        switch session.overlay {
        case let .help(scroll): HelpView(scroll: scroll, unicode: session.view.unicode, palette: palette).render(into: &grid, area: layout.helpBox)
        case .settings:
            let problems = session.draft.problems(pointCount: session.dataChoices[session.draftDataIndex].points.rows)
            SettingsView(fields: session.settingsFields, selected: session.settingsEditor.selected.rawValue, problem: session.settingsEditor.pathNote ?? problems.first,
                         unicode: session.view.unicode, palette: palette).render(into: &grid, area: layout.settingsBox)
        case .sweep: if let sweep = session.sweep { drawSweep(&grid, sweep: sweep, session: session, layout: layout) }
        case .none, .checkpoints: break
        }
        if !session.view.unicode { Renderer.asciify(&grid) }
        return grid
    }

    /// Replaces every non-ASCII glyph with an ASCII stand-in (for terminals or locales without UTF-8).
    static func asciify(_ grid: inout CellGrid) {
        for y in 0..<grid.height {
            for x in 0..<grid.width where !grid[x, y].glyph.isASCII {
                var cell = grid[x, y]
                cell.glyph = asciiStandIns[cell.glyph] ?? "?"
                grid[x, y] = cell
            }
        }
    }

    /// ASCII stand-ins for the non-ASCII glyphs the renderer draws (built once, not per frame).
    private static let asciiStandIns: [Unicode.Scalar: Unicode.Scalar] = [
        "·": ".", "∘": ".", "→": ">", "←": "<", "↑": "^", "↓": "v", "Δ": "d", "×": "x", "–": "-", "−": "-",
        "│": "|", "─": "-", "┌": "+", "┐": "+", "└": "+", "┘": "+", "┤": "+", "┬": "+", "▸": ">", "◂": "<",
        "…": "~", "●": "o", "▶": ">", "⏸": "=", "⧗": "*", "█": "#", "▀": "\"", "▄": "_",
    ]

    // MARK: pieces

    var box: (Bool) -> BoxGlyphs { { $0 ? .unicode : .ascii } }

    /// The checkpoint on screen and the session's evaluation of it, if the checkpoint view is open.
    func checkpointView(_ session: Session) -> (entry: CheckpointEntry, labels: [Int32], score: Double)? { session.shownCheckpoint }
}

/// Right-aligns (or left-aligns) `text` in `width` columns, clipping when longer.
func pad(_ text: String, _ width: Int, left: Bool = true) -> String {
    let count = text.unicodeScalars.count
    if count >= width { return String(String.UnicodeScalarView(text.unicodeScalars.prefix(width))) }
    let spaces = String(repeating: " ", count: width - count)
    return left ? spaces + text : text + spaces
}

extension String {
    func replacingScalar(_ scalar: Unicode.Scalar, with replacement: String) -> String {
        var out = ""
        for s in unicodeScalars { if s == scalar { out += replacement } else { out.unicodeScalars.append(s) } }
        return out
    }
}
