import KMeansCore

/// The selected checkpoint's centres (one row per cluster, with TF's `Variable` count when stored) and its other
/// variables: name with a scalar's value, or type and shape.
public struct CheckpointVariablesView: Sendable {
    /// The centres, k × d.
    public var centers: Matrix
    /// Points per cluster so far (TF's `Variable`), if stored.
    public var counts: [Int64]?
    /// The data's column names, for the header.
    public var columnNames: [String]
    /// Every variable of the checkpoint.
    public var variables: [CheckpointVariable]
    /// Whether numbers show every digit of their float.
    public var fullPrecision: Bool
    /// Colours for the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(centers: Matrix, counts: [Int64]?, columnNames: [String], variables: [CheckpointVariable], fullPrecision: Bool, palette: Palette) {
        self.centers = centers
        self.counts = counts
        self.columnNames = columnNames
        self.variables = variables
        self.fullPrecision = fullPrecision
        self.palette = palette
    }

    /// The table's lines: a header, one row per centre (cut with a `… N more` row), then one row per variable.
    func lines(width: Int, height: Int) -> [(text: String, muted: Bool)] {
        let cell = fullPrecision ? 12 : 9
        let countWidth = counts == nil ? 0 : 8
        let shown = min(centers.columns, max(1, (width - 3 - countWidth) / cell))
        var header = pad("", 3, left: false)
        for j in 0..<shown { header += pad(j < columnNames.count ? columnNames[j] : "x\(j)", cell) }
        if shown < centers.columns { header += "…" }
        if counts != nil { header += pad("n", countWidth) }
        var out: [(String, Bool)] = [(header, true)]
        let centerRows = max(1, min(centers.rows, height - 2 - min(variables.count, 6)))
        for i in 0..<min(centers.rows, centerRows) {
            var row = pad(ClusterName.of(i), 3, left: false)
            for j in 0..<shown {
                let value = Double(centers[i, j])
                row += pad(fullPrecision ? formatFull(value) : formatCompact(value), cell)
            }
            if shown < centers.columns { row += " " }
            if let counts, i < counts.count { row += pad(String(counts[i]), countWidth) }
            out.append((row, false))
        }
        if centers.rows > centerRows { out.append(("   … \(centers.rows - centerRows) more", true)) }
        if !variables.isEmpty { out.append((pad("variable", 18, left: false) + "value", true)) }
        for variable in variables {
            out.append((pad(variable.name, 17, left: false) + " " + (variable.value ?? "\(variable.type) \(variable.shapeText)"), false))
        }
        return out
    }

    /// Draws the table into `area`, top rows first.
    public func render(into grid: inout CellGrid, area: Rect) {
        for (offset, line) in lines(width: area.width, height: area.height).prefix(area.height).enumerated() {
            grid.put(line.text, x: area.x, y: area.y + offset, style: line.muted ? CellStyle(foreground: palette.muted) : .plain, maxWidth: area.width)
        }
    }
}
