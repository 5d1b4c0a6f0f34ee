import KMeansCore

/// The header pane: data, projection and the run-state marker at the right edge.
public struct HeaderView: Sendable {
    /// What the run is doing, shown as a high-contrast marker.
    public enum RunState: Sendable, Equatable {
        /// A checkpoint is on screen (its step).
        case checkpoint(step: Int)
        /// The user is placing centres by hand.
        case placing
        /// Half-steps are queued while paused.
        case computing
        /// Running at this many half-steps per second.
        case running(speed: Double)
        /// Paused.
        case paused
    }

    /// The data set's name.
    public var dataName: String
    /// Rows and columns of the data.
    public var rows: Int, columns: Int
    /// The projection's label.
    public var projection: String
    /// The run-state marker.
    public var state: RunState
    /// Modes shown after the projection, e.g. "colour: truth", "z-scores".
    public var modes: [String] = []
    /// Whether Unicode glyphs may be drawn.
    public var unicode: Bool
    /// Colours for the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(dataName: String, rows: Int, columns: Int, projection: String, state: RunState, unicode: Bool, palette: Palette) {
        self.dataName = dataName
        self.rows = rows
        self.columns = columns
        self.projection = projection
        self.state = state
        self.unicode = unicode
        self.palette = palette
    }

    /// The header of `session`, with `checkpointStep` set while a checkpoint is on screen.
    init(session: Session, checkpointStep: Int?, palette: Palette) {
        let data = session.dataSet
        let state: RunState
        if let checkpointStep { state = .checkpoint(step: checkpointStep) } else if session.placement != nil { state = .placing } else if
            session.pendingHalfSteps > 0 && !session.isRunning { state = .computing } else if session.isRunning {
            state = .running(speed: session.speed)
        } else { state = .paused }
        self.init(dataName: data.name, rows: data.points.rows, columns: data.points.columns,
                  projection: session.view.projection.label(columnNames: data.columnNames), state: state,
                  unicode: session.view.unicode, palette: palette)
        modes = (session.shownTruth != nil ? ["colour: truth"] : []) + (session.settings.standardize ? ["z-scores"] : [])
    }

    /// Draws the header on the first row of `area`.
    public func render(into grid: inout CellGrid, area: Rect) {
        let mono = palette.tier == .mono
        let bar = CellStyle(foreground: mono ? .standard : palette.ink, background: mono ? .standard : palette.accent,
                            attributes: mono ? [.reverse] : [])
        grid.fill(x: area.x, y: area.y, width: area.width, height: 1, with: Cell(" ", style: bar))
        // The modes come before the projection, and the program's name goes first when the line is too long.
        let facts = " \(dataName) \(rows)×\(columns)" + modes.map { " │ " + $0 }.joined() + " │ \(projection)"
        let named = " kmeans workbench │" + facts
        let title = modes.isEmpty || named.unicodeScalars.count <= area.width - 24 ? named : facts
        grid.put(unicode ? title : title.replacingScalar("│", with: "|").replacingScalar("×", with: "x"), x: area.x, y: area.y, style: bar,
                 maxWidth: area.width - 24)
        let (marker, background) = markerText()
        var style = CellStyle(foreground: palette.ink, background: background, attributes: [.bold])
        if mono { style = CellStyle(attributes: [.bold, .reverse, .underline]) }
        grid.put(marker, x: area.x + area.width - marker.unicodeScalars.count, y: area.y, style: style)
    }

    /// The marker's text and background colour.
    func markerText() -> (String, TerminalColor) {
        switch state {
        case let .checkpoint(step): (" CHECKPOINT step \(step) ", palette.warning)
        case .placing: (" PLACING CENTRES ", palette.warning)
        case .computing: (unicode ? " ⧗ COMPUTING (Esc stops) " : " COMPUTING (Esc stops) ", palette.accent)
        case let .running(speed): ((unicode ? " ▶ RUNNING " : " > RUNNING ") + "\(Self.speedLabel(speed))/s ", palette.good)
        case .paused: (unicode ? " ⏸ PAUSED " : " || PAUSED ", palette.warning)
        }
    }

    /// Half-steps per second as shown: one decimal below 1, whole numbers above.
    static func speedLabel(_ speed: Double) -> String { speed < 1 ? fixed(speed, 1) : String(Int(speed)) }
}
