import KMeansCore

/// The scatter pane's points: one raster of cluster majorities per cell, drawn as braille, half blocks or glyphs.
extension ScatterView {
    /// The points, in the majority cluster's colour of each cell (or half cell), over the Voronoi `region` shades.
    func drawPoints(_ grid: inout CellGrid, plot: Rect, region: [Int]) {
        let geometryKey = RasterCache.GeometryKey(projected: projected, bounds: bounds, width: plot.width,
                                                  height: plot.height, marker: marker)
        let labelKey = RasterCache.LabelKey(labels: labels, batch: batch, k: k)
        let raster = cache?.raster(geometry: geometryKey, labels: labelKey)
            ?? PointRaster(geometry: PointGeometry(projected: geometryKey.projected, bounds: geometryKey.bounds, width: plot.width,
                                                   height: plot.height, marker: marker),
                           labels: labels, batch: batch, k: k)
        let owners = raster.owners, dots = raster.geometry.dots, inBatch = raster.inBatch, bands = raster.geometry.bands
        func majority(_ cell: Int, band: Int) -> Int? {
            let owner = Int(owners[cell * bands + band])
            return owner >= 0 ? owner : nil
        }
        let style = Renderer.pointStyle(pointCount: projected.count / 2)
        let counts = raster.geometry.counts
        let densest = max(1, counts.max() ?? 1)
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let cell = row * plot.width + column
                let background = region.isEmpty || region[cell] < 0 || !palette.canShadeBackground ? TerminalColor.standard : palette.clusterShade(region[cell])
                var emphasis = Palette.PointEmphasis.normal
                if !batch.isEmpty { emphasis = palette.batchEmphasis(inBatch: inBatch[cell]) }
                else if style == .density { emphasis = Renderer.densityEmphasis(Int(counts[cell * bands]), densest: Int(densest)) }
                func look(_ owner: Int) -> CellStyle {
                    palette.pointStyle(cluster: owner == k ? nil : owner, emphasis: emphasis, background: background)
                }
                switch marker {
                case .braille:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let large: Unicode.Scalar = unicode ? "⣿" : (owner == k ? "." : palette.pointGlyph(owner))
                    let glyph = style == .large ? large : Unicode.Scalar(0x2800 + UInt32(dots[cell]))!
                    grid[plot.x + column, plot.y + row] = Cell(glyph, style: look(owner))
                case .glyphs:
                    guard let owner = majority(cell, band: 0) else { continue }
                    let glyph: Unicode.Scalar = owner == k ? "." : palette.pointGlyph(owner)
                    grid[plot.x + column, plot.y + row] = Cell(glyph, style: look(owner))
                case .halfBlock:
                    let top = majority(cell, band: 0), bottom = majority(cell, band: 1)
                    if let top, let bottom {
                        var both = look(top)
                        both.background = palette.pointStyle(cluster: bottom == k ? nil : bottom, emphasis: .normal).foreground
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: both)
                    } else if let top {
                        grid[plot.x + column, plot.y + row] = Cell("▀", style: look(top))
                    } else if let bottom {
                        grid[plot.x + column, plot.y + row] = Cell("▄", style: look(bottom))
                    }
                }
            }
        }
    }
}

extension Renderer {
    /// How points are drawn for a data set's size.
    enum PointStyle: Sendable, Equatable {
        /// Up to `largeMarkerLimit` points: every occupied braille cell has all eight dots (one dot is too small).
        case large
        /// The marker mode as chosen.
        case plain
        /// From `densityThreshold` points: cells shaded by how many points they hold.
        case density
    }

    /// Point counts up to which braille cells become large markers.
    static let largeMarkerLimit = 500
    /// Point counts from which cells are shaded by density.
    static let densityThreshold = 20_000

    /// The point style for `pointCount` points.
    static func pointStyle(pointCount: Int) -> PointStyle {
        pointCount <= largeMarkerLimit ? .large : (pointCount >= densityThreshold ? .density : .plain)
    }

    /// Intensity of a cell holding `count` points when the densest holds `densest`: faint below an eighth, strong
    /// from a half (in mono as dim and bold).
    static func densityEmphasis(_ count: Int, densest: Int) -> Palette.PointEmphasis {
        if count * 8 < densest { return .faint }
        if count * 2 >= densest { return .strong }
        return .normal
    }
}
