import KMeansCore

/// How points are drawn in the scatter pane.
public enum MarkerMode: String, Sendable, CaseIterable {
    /// 2×4 braille dots per cell; the cell takes its majority cluster's colour.
    case braille
    /// Two vertically stacked half-blocks per cell (foreground = top, background = bottom).
    case halfBlock = "half-block"
    /// One per-cluster glyph per cell (works in mono and in ASCII).
    case glyphs
}

/// View options that never change the run.
public struct ViewOptions: Sendable, Equatable {
    /// Marker mode.
    public var marker: MarkerMode = .braille
    /// Shade each cell by its nearest centre.
    public var voronoi: Bool = false
    /// Draw past centre positions.
    public var trails: Bool = true
    /// Show the explanation line for the next half-step.
    public var explain: Bool = true
    /// 2-D projection of the data.
    public var projection: Projection = .axes(x: 0, y: 1)
    /// Colour the points by the data's truth column instead of their cluster (`g`).
    public var colorByTruth: Bool = false
    /// Whether the terminal can show Unicode (braille, blocks, box drawing); ASCII otherwise.
    public var unicode: Bool = true
    /// Whether the side panel is drawn (off in the panes of the compare screen).
    public var sidePanel: Bool = true

    /// Creates the defaults.
    public init() {}
}
