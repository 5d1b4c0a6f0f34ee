/// The agreement block: the adjusted Rand index of the clusters on screen against the truth column, and the
/// confusion table (truth classes × clusters) fitted to its area, cut with "…" when it is larger.
public struct AgreementView: Sendable {
    /// What to show.
    public var agreement: Agreement
    /// Whether the points are coloured by truth (said on the first line).
    public var coloredByTruth: Bool
    /// Colours of the terminal's tier.
    public var palette: Palette

    /// Creates the view.
    public init(agreement: Agreement, coloredByTruth: Bool, palette: Palette) {
        self.agreement = agreement
        self.coloredByTruth = coloredByTruth
        self.palette = palette
    }

    /// The rows the block wants: its two heading lines and one per truth class.
    public var wantedHeight: Int { 2 + agreement.classNames.count }

    /// The block's area at the bottom of the side panel `side` (inside its border): as many rows as wanted, at most
    /// a third of the panel and at least the two heading lines plus one class.
    public static func area(in side: Rect, wanted: Int) -> Rect {
        let height = min(wanted, max(3, (side.height - 2) / 3))
        return Rect(x: side.x + 2, y: side.y + side.height - 1 - height, width: side.width - 4, height: height)
    }

    /// The ARI as shown: three decimals.
    public static func ariText(_ value: Double) -> String { fixed(value, 3) }

    /// Draws the block in `area` (cleared first).
    public func render(into grid: inout CellGrid, area: Rect) {
        guard area.height >= 2, area.width >= 8 else { return }
        grid.fill(x: area.x, y: area.y, width: area.width, height: area.height, with: .blank)
        let muted = CellStyle(foreground: palette.muted)
        let table = agreement.table
        var x = grid.put("truth ", x: area.x, y: area.y, style: muted, maxWidth: area.width)
        x = grid.put("ARI \(Self.ariText(agreement.adjustedRandIndex))", x: x, y: area.y, style: CellStyle(attributes: [.bold]),
                     maxWidth: area.x + area.width - x)
        grid.put((coloredByTruth ? "  colour: " : "  ") + agreement.column, x: x, y: area.y, style: muted, maxWidth: area.x + area.width - x)

        let longest = agreement.classNames.map { $0.unicodeScalars.count }.max() ?? 0
        let labelWidth = max(4, min(longest, 10) + 1)
        let largest = table.counts.max() ?? 0
        let columnWidth = max(4, String(largest).count + 1)
        let fitting = max(1, (area.width - labelWidth) / columnWidth)
        let shownClusters = table.clusters <= fitting ? table.clusters : max(0, fitting - 1)
        let cut = shownClusters < table.clusters
        var line = pad("", labelWidth, left: false)
        for c in 0..<shownClusters { line += pad(ClusterName.of(c), columnWidth) }
        if cut { line += pad("…", columnWidth) }
        grid.put(line, x: area.x, y: area.y + 1, style: muted, maxWidth: area.width)

        let room = area.height - 2
        let shownClasses = table.truthClasses <= room ? table.truthClasses : max(0, room - 1)
        for t in 0..<shownClasses {
            let y = area.y + 2 + t
            let name = agreement.classNames[t]
            let label = name.unicodeScalars.count > labelWidth - 1
                ? String(String.UnicodeScalarView(name.unicodeScalars.prefix(labelWidth - 2))) + "…" : name
            grid.put(pad(label, labelWidth, left: false), x: area.x, y: y, style: muted, maxWidth: area.width)
            var row = ""
            for c in 0..<shownClusters { row += countColumn(table[truth: t, cluster: c], columnWidth) }
            if cut { row += pad("…", columnWidth) }
            grid.put(row, x: area.x + labelWidth, y: y, maxWidth: area.width - labelWidth)
        }
        if shownClasses < table.truthClasses {
            grid.put("… \(table.truthClasses - shownClasses) more classes", x: area.x, y: area.y + 2 + shownClasses, style: muted, maxWidth: area.width)
        }
    }
}
