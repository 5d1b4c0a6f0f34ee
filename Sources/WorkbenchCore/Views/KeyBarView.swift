/// The bottom key bar: key names and what they do. When the entries do not fit, middle ones are dropped so the
/// first entries and the last ones (help, quit) stay.
public struct KeyBarView: Sendable {
    /// (key name, label) pairs in order.
    public var entries: [(key: String, label: String)]
    /// Whether Unicode arrows may be drawn.
    public var unicode: Bool

    /// Creates the view.
    public init(entries: [(key: String, label: String)], unicode: Bool) {
        self.entries = entries
        self.unicode = unicode
    }

    /// How many trailing entries are kept when space runs out.
    static let keptAtEnd = 2

    /// Draws the bar on the first row of `area`.
    public func render(into grid: inout CellGrid, area: Rect) {
        let shown = fitted(width: area.width)
        var x = area.x
        let keyStyle = CellStyle(attributes: [.reverse, .bold])
        for entry in shown {
            x = grid.put(entry.key, x: x, y: area.y, style: keyStyle)
            x = grid.put(" " + entry.label + " ", x: x, y: area.y)
        }
    }

    /// The entries that fit in `width`, key names made ASCII when needed.
    func fitted(width: Int) -> [(key: String, label: String)] {
        var all = entries.map { entry in
            (key: unicode ? entry.key : entry.key.replacingScalar("↑", with: "^").replacingScalar("↓", with: "v")
                .replacingScalar("←", with: "<").replacingScalar("→", with: ">"), label: entry.label)
        }
        func needed(_ list: [(key: String, label: String)]) -> Int {
            list.reduce(0) { $0 + $1.key.unicodeScalars.count + $1.label.unicodeScalars.count + 2 }
        }
        while needed(all) > width, all.count > Self.keptAtEnd {
            all.remove(at: all.count - Self.keptAtEnd - 1)
        }
        while needed(all) > width, !all.isEmpty { all.removeFirst() }
        return all
    }
}
