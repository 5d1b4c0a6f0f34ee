/// A rectangle of cells.
public struct Rect: Sendable, Equatable {
    /// Top-left corner (column, row) and size in cells.
    public var x: Int, y: Int, width: Int, height: Int
    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    /// Whether `(x, y)` is inside.
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && py >= y && px < x + width && py < y + height }
}

/// Where everything goes on a screen of a given size. Pure arithmetic, shared by the renderer and by mouse handling.
public struct Layout: Sendable, Equatable {
    /// Smallest screen the workbench draws on; below it a "too small" message is shown.
    public static let minimumWidth = 60
    /// Smallest height drawn.
    public static let minimumHeight = 16
    /// Smallest size drawn without the side panel (a pane of the compare screen).
    public static let compactMinimum = (width: 24, height: 9)

    /// Screen size in cells.
    public let width: Int, height: Int
    /// Whether the side panel is drawn when the width allows (false: the compact layout of a compare pane).
    public let sidePanel: Bool
    /// Whether the screen is big enough.
    public var fits: Bool {
        sidePanel ? width >= Layout.minimumWidth && height >= Layout.minimumHeight
            : width >= Layout.compactMinimum.width && height >= Layout.compactMinimum.height
    }
    /// Header bar (row 0).
    public var header: Rect { Rect(x: 0, y: 0, width: width, height: 1) }
    /// Explanation / message line.
    public var explanation: Rect { Rect(x: 0, y: height - 2, width: width, height: 1) }
    /// Key bar.
    public var keyBar: Rect { Rect(x: 0, y: height - 1, width: width, height: 1) }
    /// Width of the side panel (0 when hidden on narrow screens).
    public var sideWidth: Int { !sidePanel ? 0 : width >= 96 ? 38 : (width >= 72 ? 30 : 0) }
    /// Side panel.
    public var side: Rect { Rect(x: width - sideWidth, y: 1, width: sideWidth, height: height - 3) }
    /// The scatter pane (plot, axes and labels).
    public var pane: Rect { Rect(x: 0, y: 1, width: width - sideWidth, height: height - 3) }
    /// Width of the y-axis tick labels.
    public static let yLabelWidth = 8
    /// The plot area inside the axes.
    public var plot: Rect { Layout.plot(inPane: pane) }
    /// The plot area inside the axes of the scatter pane `p`.
    public static func plot(inPane p: Rect) -> Rect {
        Rect(x: p.x + Layout.yLabelWidth + 1, y: p.y + 1, width: p.width - Layout.yLabelWidth - 2, height: p.height - 3)
    }
    /// The help overlay box.
    public var helpBox: Rect {
        let w = min(width - 4, 70), h = min(height - 2, Keymap.helpLines().count + 3)
        return Rect(x: (width - w) / 2, y: max(1, (height - h) / 2), width: w, height: h)
    }
    /// The settings overlay box.
    public var settingsBox: Rect {
        let w = min(width - 4, 52), h = min(height - 2, 16)
        return Rect(x: (width - w) / 2, y: max(1, (height - h) / 2), width: w, height: h)
    }

    /// Creates the layout for `width × height`, with the side panel unless `sidePanel` is false.
    public init(width: Int, height: Int, sidePanel: Bool = true) { self.width = width; self.height = height; self.sidePanel = sidePanel }
}
