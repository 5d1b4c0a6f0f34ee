import WorkbenchCore

/// The cells one frame hands to ncurses, and in which passes, chosen to cost the terminal few bytes.
///
/// On `xterm-256color` a colour switch is 11 bytes and an attribute switch about 20, while a braille cell is 3 and a
/// cursor move 4–8; ncurses writes the changed cells row by row, so scattered cells of two interleaved styles (a
/// mini-batch's cells among the rest) pay a switch each. So:
/// - a blank that shows only the background is written in the style the terminal is already in (any foreground and
///   weight look the same there), and a short gap of such blanks between two changed cells of one row takes the left
///   cell's style (ncurses rewrites short gaps rather than moving the cursor);
/// - after a first pass in row order, every style with at least `groupedRuns` single-style runs of cells is written in
///   a pass of its own (one style switch for all of them, at the price of one reset when ncurses ends the pass). The
///   header row always goes in the first pass, so over a slow line a key's effect on the run state shows first.
/// A full redraw is one pass.
struct DrawPlan {
    /// One cell to write.
    struct Put: Equatable {
        var x: Int, y: Int
        var glyph: Unicode.Scalar
        var style: CellStyle
    }

    /// Runs of one style from which a style gets a pass of its own.
    static let groupedRuns = 3
    /// The longest gap of blanks between two changed cells that is written rather than skipped.
    static let longestFilledGap = 8

    /// The passes, each written and flushed before the next.
    let passes: [[Put]]
    /// Whether the frame redraws the whole screen (no previous frame, or another size).
    let fullRedraw: Bool
    /// Cells that changed since the previous frame.
    let changedCells: Int

    /// The plan for drawing `grid` over `previous` (what was drawn last, nil for nothing).
    init(grid: CellGrid, previous: CellGrid?) {
        let changes = grid.changedPositions(since: previous)
        fullRedraw = previous == nil || previous?.width != grid.width || previous?.height != grid.height
        changedCells = changes.count
        var puts: [Put] = []
        puts.reserveCapacity(changes.count)
        var drawnStyle = CellStyle.plain
        for (index, position) in changes.enumerated() {
            let cell = grid[position.x, position.y]
            // On a full redraw only right after a drawn cell: elsewhere ncurses skips the blanks its erase left plain.
            let follows = index > 0 && changes[index - 1].y == position.y && changes[index - 1].x == position.x - 1
            let restyle = cell.glyph == " " && cell.style.blankLooksPlain && drawnStyle.blankLooksPlain && (!fullRedraw || follows)
            let style = restyle ? drawnStyle : cell.style
            puts.append(Put(x: position.x, y: position.y, glyph: cell.glyph, style: style))
            drawnStyle = style
            guard index + 1 < changes.count, style.blankLooksPlain else { continue }
            let next = changes[index + 1]
            let gap = next.x - position.x - 1
            guard next.y == position.y, (1...Self.longestFilledGap).contains(gap),
                  (position.x + 1..<next.x).allSatisfy({ grid[$0, position.y].glyph == " " && grid[$0, position.y].style.blankLooksPlain })
            else { continue }
            for x in (position.x + 1)..<next.x { puts.append(Put(x: x, y: position.y, glyph: " ", style: style)) }
        }
        passes = fullRedraw ? [puts] : Self.grouped(puts)
    }

    /// Splits `puts` (in row order) into a first pass and one pass per style that has enough single-style runs.
    static func grouped(_ puts: [Put]) -> [[Put]] {
        // Runs: consecutive puts that are neighbours on one row.
        var runs: [Range<Int>] = []
        var start = 0
        for index in puts.indices.dropFirst() where !(puts[index].y == puts[index - 1].y && puts[index].x == puts[index - 1].x + 1) {
            runs.append(start..<index)
            start = index
        }
        if !puts.isEmpty { runs.append(start..<puts.count) }
        func uniformStyle(_ run: Range<Int>) -> CellStyle? {
            let style = puts[run.lowerBound].style
            return puts[run].allSatisfy { $0.style == style } ? style : nil
        }
        var runCounts: [CellStyle: Int] = [:]
        for run in runs where puts[run.lowerBound].y > 0 { if let style = uniformStyle(run) { runCounts[style, default: 0] += 1 } }
        var order: [CellStyle] = []
        var separate: [CellStyle: [Put]] = [:]
        var first: [Put] = []
        for run in runs {
            if let style = uniformStyle(run), runCounts[style, default: 0] >= groupedRuns, puts[run.lowerBound].y > 0 {
                if separate[style] == nil { order.append(style) }
                separate[style, default: []] += puts[run]
            } else {
                first += puts[run]
            }
        }
        return ([first] + order.compactMap { separate[$0] }).filter { !$0.isEmpty }
    }
}
