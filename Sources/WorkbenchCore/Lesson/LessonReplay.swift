import KMeansCore

/// A lesson on screen (`kmeans workbench --lesson FILE`): the stops `LessonRunner` computed, one at a time. Space
/// (or →, Enter) goes to the next stop, ← back one; the header says "lesson 3/12", the stop's caption stands in
/// place of the explanation line, and a stop with two runs is drawn by the compare screen.
public struct LessonReplay: DrivenScreen {
    /// The lesson.
    public let lesson: Lesson
    /// Its stops, in order (every `wait`, and the end).
    public let stops: [LessonRunner.Stop]
    /// The stop on screen.
    public private(set) var index = 0
    /// Screen size in cells.
    public private(set) var screenWidth: Int, screenHeight: Int
    /// Whether the viewer asked to quit.
    public private(set) var quitRequested = false

    /// A replay of `stops` (at least one) on a `width × height` screen, at the first stop.
    public init(lesson: Lesson, stops: [LessonRunner.Stop], width: Int, height: Int) {
        self.lesson = lesson
        self.stops = stops
        screenWidth = width
        screenHeight = height
    }

    /// The stop on screen.
    public var stop: LessonRunner.Stop { stops[index] }
    /// "lesson 3/12".
    public var progress: String { "lesson \(index + 1)/\(stops.count)" }

    /// The key bar of the replay.
    public static let keyBarEntries: [(key: String, label: String)] = [("Space", "next"), ("←", "back"), ("Home", "start"), ("q", "quit")]

    public var isRunning: Bool { false }
    public var speed: Double { 1 }

    /// Space, →, Enter: next stop; ←: the stop before; Home: the first; q or Ctrl-C quits.
    public mutating func handle(_ key: Key) {
        if key == .home { index = 0; return }
        switch Keymap.action(for: key, in: Keymap.navigation) {
        case .confirm, .moveRight: index = min(stops.count - 1, index + 1)
        case .moveLeft: index = max(0, index - 1)
        case .quit, .interrupt: quitRequested = true
        default: break
        }
    }

    public mutating func tick() {}
    public mutating func requestIteration() {}
    public mutating func resize(width: Int, height: Int) {
        screenWidth = width
        screenHeight = height
    }
    public func nextJob() -> FrameJob? { nil }
    public mutating func accept(_ result: Result<Frame, any Error>, for job: FrameJob) {}
    public mutating func runPendingWork() {}

    /// The stop on screen: one run as the workbench draws it (one row shorter, so the caption has two lines), or
    /// the compare screen for two runs.
    public func render(with renderer: Renderer) -> CellGrid {
        let caption = stop.caption.map { Self.wrapped($0, width: screenWidth - 2, lines: 2) } ?? []
        if stop.sessions.count > 1 {
            let comparison = RunComparison(runs: stop.sessions, labels: RunComparison.labels(for: stop.sessions.map(\.settings)),
                                           width: screenWidth, height: screenHeight)
            // Two caption rows always, as on a one-run stop, so the caption stays put from stop to stop.
            let rows = caption.isEmpty ? [] : caption + Array(repeating: "", count: 2 - caption.count)
            return renderer.render(comparison, chrome: Renderer.CompareChrome(title: progress, caption: rows, keyBar: Self.keyBarEntries))
        }
        var session = stop.sessions[0]
        session.resize(width: screenWidth, height: screenHeight - 1)
        let drawn = renderer.render(session)
        var grid = CellGrid(width: screenWidth, height: screenHeight)
        for y in 0..<drawn.height { for x in 0..<drawn.width { grid[x, y] = drawn[x, y] } }
        guard session.layout.fits else { return grid }
        var header = HeaderView(session: session, checkpointStep: nil, palette: renderer.palette)
        header.dataName = progress + " │ " + header.dataName
        header.render(into: &grid, area: Rect(x: 0, y: 0, width: screenWidth, height: 1))
        // Rows H-3 and H-2: the caption's two lines (or the run's own explanation and a blank line).
        let captionTop = screenHeight - 3
        grid.fill(x: 0, y: caption.isEmpty ? captionTop + 1 : captionTop, width: screenWidth, height: caption.isEmpty ? 1 : 2, with: .blank)
        for (row, line) in caption.enumerated() {
            grid.put(" " + line, x: 0, y: captionTop + row, style: CellStyle(attributes: [.bold]))
        }
        KeyBarView(entries: Self.keyBarEntries, unicode: session.view.unicode)
            .render(into: &grid, area: Rect(x: 0, y: screenHeight - 1, width: screenWidth, height: 1))
        if !session.view.unicode { Renderer.asciify(&grid) }
        return grid
    }

    /// `text` broken at spaces into at most `lines` lines of `width` cells, the last ending in "…" when cut.
    static func wrapped(_ text: String, width: Int, lines: Int) -> [String] {
        var out: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if candidate.unicodeScalars.count <= width || current.isEmpty {
                current = candidate
            } else {
                out.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { out.append(current) }
        guard out.count > lines else { return out.map { ExplanationView.clipped($0, width) } }
        let kept = Array(out.prefix(lines - 1)) + [out[(lines - 1)...].joined(separator: " ")]
        return kept.map { ExplanationView.clipped($0, width) }
    }
}
