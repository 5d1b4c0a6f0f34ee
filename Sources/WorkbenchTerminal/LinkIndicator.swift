import WorkbenchCore

/// Counts the auto-play frames a slow line made the loop skip, and says so in the header ("line slow: showing every
/// 4th frame") until two seconds pass without a skip.
struct LinkIndicator {
    /// How long the note stays after the last skipped frame.
    static let holdSeconds = 2.0

    private var framesSinceDraw = 0
    private var recentFramesPerDraw: [Int] = []
    private var lastSkip: Double?
    /// Frames computed but never drawn, in total.
    private(set) var skippedFrames = 0
    /// Frames drawn, in total.
    private(set) var drawnFrames = 0

    /// A new auto-play frame was computed.
    mutating func frameComputed() { framesSinceDraw += 1 }

    /// A frame could not be drawn because the line was busy.
    mutating func frameSkipped(at time: Double) {
        lastSkip = time
    }

    /// A frame was drawn: the frames computed since the last one were shown as one.
    mutating func frameDrawn() {
        drawnFrames += 1
        if framesSinceDraw > 1 { skippedFrames += framesSinceDraw - 1 }
        if framesSinceDraw > 0 {
            recentFramesPerDraw.append(framesSinceDraw)
            if recentFramesPerDraw.count > 8 { recentFramesPerDraw.removeFirst() }
        }
        framesSinceDraw = 0
    }

    /// The header note at `time`, or nil when no frame was skipped lately.
    func note(at time: Double) -> String? {
        guard let lastSkip, time - lastSkip < Self.holdSeconds, !recentFramesPerDraw.isEmpty else { return nil }
        let every = Int((Double(recentFramesPerDraw.reduce(0, +)) / Double(recentFramesPerDraw.count)).rounded())
        // Frames that only waited (every one still drawn) are not worth a note: a busy local terminal does that.
        guard every >= 2 else { return nil }
        return "line slow: showing every \(Self.ordinal(every)) frame"
    }

    /// "2nd", "3rd", "4th", "11th", "21st".
    static func ordinal(_ n: Int) -> String {
        let suffix: String
        switch (n % 10, n % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }

    /// `grid` with `note` written into the header row, right-aligned two columns before the run-state marker, over
    /// blank header cells only (so it never covers the title or the marker), in the header's own style.
    static func overlay(_ note: String, on grid: CellGrid) -> CellGrid {
        var grid = grid
        let text = " " + TerminalText.sanitized(note) + " "
        let length = text.unicodeScalars.count
        guard grid.height > 0, grid.width > length + 4 else { return grid }
        // The marker is the run of cells at the right edge in the rightmost cell's style.
        let markerStyle = grid[grid.width - 1, 0].style
        var end = grid.width
        while end > 0, grid[end - 1, 0].style == markerStyle { end -= 1 }
        let start = end - 2 - length
        guard start > 0 else { return grid }
        for x in (start - 1)..<(start + length) where grid[x, 0].glyph != " " { return grid }
        let style = grid[start, 0].style
        var x = start
        for scalar in text.unicodeScalars {
            grid[x, 0] = Cell(scalar, style: CellStyle(foreground: style.foreground, background: style.background, attributes: style.attributes.union(.bold)))
            x += 1
        }
        return grid
    }
}
