import KMeansCore

/// The plot's data bounds in plane coordinates, fixed per data set and projection so the view does not jump.
public struct PlotBounds: Sendable, Equatable {
    /// The visible ranges of the two plane axes.
    public var minX: Float, maxX: Float, minY: Float, maxY: Float

    /// Bounds of `points` under `map`, padded by 4 % and never empty.
    public init(points: Matrix, map: PlaneMap) {
        self.init(projected: Session.project(points, map: map))
    }

    /// Bounds of plane positions given interleaved (x, y), padded by 4 % and never empty.
    init(projected: [Float]) {
        var minX = Float.infinity, maxX = -Float.infinity, minY = Float.infinity, maxY = -Float.infinity
        for i in 0..<(projected.count / 2) {
            let p = (x: projected[2 * i], y: projected[2 * i + 1])
            minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y)
        }
        if !minX.isFinite { minX = 0; maxX = 1; minY = 0; maxY = 1 }
        if maxX - minX < 1e-6 { minX -= 0.5; maxX += 0.5 }
        if maxY - minY < 1e-6 { minY -= 0.5; maxY += 0.5 }
        let padX = (maxX - minX) * 0.04, padY = (maxY - minY) * 0.04
        self.minX = minX - padX; self.maxX = maxX + padX; self.minY = minY - padY; self.maxY = maxY + padY
    }
}
