/// The centre placement of "I'll choose": a cursor on the plot and the centres placed so far.
public struct Placement: Sendable, Equatable {
    /// Cells one capital-letter move goes.
    public static let farStep = 8

    /// What a key did to the placement.
    public enum Outcome: Sendable, Equatable {
        /// The key was handled inside the placement.
        case placing
        /// All centres are placed: start the run from them (plane coordinates).
        case done([PlanePoint])
        /// A click landed outside the plot.
        case clickOutside
        /// Placement cancelled.
        case cancel
        /// Quit the workbench.
        case quit
        /// Not a placement key.
        case notPlacementKey
    }

    /// Cursor cell inside the scatter plot (column, row from its top-left).
    public var cursorColumn: Int
    /// Cursor row inside the plot.
    public var cursorRow: Int
    /// Centres placed so far, in plane coordinates.
    public var placed: [(x: Float, y: Float)]

    /// A placement with the cursor in the middle of `plot` and nothing placed.
    public init(plot: Rect) {
        cursorColumn = plot.width / 2
        cursorRow = plot.height / 2
        placed = []
    }

    /// Equal cursor and equal placed centres.
    public static func == (a: Placement, b: Placement) -> Bool {
        a.cursorColumn == b.cursorColumn && a.cursorRow == b.cursorRow
            && a.placed.map(\.x) == b.placed.map(\.x) && a.placed.map(\.y) == b.placed.map(\.y)
    }

    /// Handles a key through the navigation keymap: `plot` is the plot area, `bounds` maps its cells to the plane,
    /// and `k` centres end the placement.
    public mutating func handle(_ key: Key, plot: Rect, bounds: PlotBounds, k: Int) -> Outcome {
        if case let .click(x, y) = key {
            guard plot.contains(x: x, y: y) else { return .clickOutside }
            cursorColumn = x - plot.x
            cursorRow = y - plot.y
            return place(plot: plot, bounds: bounds, k: k)
        }
        if key == .resize { return .placing }
        switch Keymap.action(for: key, in: Keymap.navigation) {
        case .moveUp: move(rows: -1, plot: plot)
        case .moveDown: move(rows: 1, plot: plot)
        case .moveLeft: move(columns: -1, plot: plot)
        case .moveRight: move(columns: 1, plot: plot)
        case .moveUpFar: move(rows: -Self.farStep, plot: plot)
        case .moveDownFar: move(rows: Self.farStep, plot: plot)
        case .moveLeftFar: move(columns: -Self.farStep, plot: plot)
        case .moveRightFar: move(columns: Self.farStep, plot: plot)
        case .confirm: return place(plot: plot, bounds: bounds, k: k)
        case .closeOverlay: return .cancel
        case .quit, .interrupt: return .quit
        default: return .notPlacementKey
        }
        return .placing
    }

    /// Keeps the cursor inside `plot` (after a resize).
    public mutating func clamp(to plot: Rect) {
        cursorColumn = min(max(0, cursorColumn), max(0, plot.width - 1))
        cursorRow = min(max(0, cursorRow), max(0, plot.height - 1))
    }

    /// The plane coordinates under the cursor.
    public func cursorPoint(plot: Rect, bounds: PlotBounds) -> PlanePoint {
        bounds.planePoint(column: cursorColumn, row: cursorRow, plot: plot)
    }

    private mutating func move(rows: Int = 0, columns: Int = 0, plot: Rect) {
        cursorRow = min(max(0, cursorRow + rows), max(0, plot.height - 1))
        cursorColumn = min(max(0, cursorColumn + columns), max(0, plot.width - 1))
    }

    private mutating func place(plot: Rect, bounds: PlotBounds, k: Int) -> Outcome {
        let point = cursorPoint(plot: plot, bounds: bounds)
        placed.append((x: point.x, y: point.y))
        return placed.count >= k ? .done(placed.map { PlanePoint(x: $0.x, y: $0.y) }) : .placing
    }
}

/// A point of the 2-D plane the data is projected onto.
public struct PlanePoint: Sendable, Equatable {
    /// Plane coordinates.
    public var x: Float, y: Float
}

extension PlotBounds {
    /// The plane coordinates of the middle of a plot cell.
    public func planePoint(column: Int, row: Int, plot: Rect) -> PlanePoint {
        let fx = (Float(column) + 0.5) / Float(max(1, plot.width))
        let fy = (Float(row) + 0.5) / Float(max(1, plot.height))
        return PlanePoint(x: minX + fx * (maxX - minX), y: maxY - fy * (maxY - minY))
    }
}
