/// Voronoi regions of 2-D sites inside a rectangle, as convex polygons (squared Euclidean nearest site).
public enum Voronoi {
    /// The region of each site: the part of the rectangle closer to it than to any other site (counter-clockwise
    /// vertices; empty when a duplicate earlier site already owns it).
    public static func regions(sites: [PlotPoint], minX: Double, maxX: Double, minY: Double, maxY: Double) -> [[PlotPoint]] {
        let box = [PlotPoint(x: minX, y: minY), PlotPoint(x: maxX, y: minY), PlotPoint(x: maxX, y: maxY), PlotPoint(x: minX, y: maxY)]
        return sites.indices.map { j in
            var polygon = box
            for i in sites.indices where i != j {
                let a = sites[j], b = sites[i]
                if a == b {
                    if i < j { return [] }
                    continue
                }
                // Keep p with 2 p·(b − a) ≤ |b|² − |a|².
                let nx = 2 * (b.x - a.x), ny = 2 * (b.y - a.y)
                let limit = (b.x * b.x + b.y * b.y) - (a.x * a.x + a.y * a.y)
                polygon = clip(polygon) { limit - (nx * $0.x + ny * $0.y) }
                if polygon.isEmpty { break }
            }
            return polygon
        }
    }

    /// Sutherland–Hodgman: the part of a convex polygon where `side` ≥ 0 (`side` is affine).
    static func clip(_ polygon: [PlotPoint], side: (PlotPoint) -> Double) -> [PlotPoint] {
        var out: [PlotPoint] = []
        for index in polygon.indices {
            let current = polygon[index], next = polygon[(index + 1) % polygon.count]
            let s0 = side(current), s1 = side(next)
            if s0 >= 0 { out.append(current) }
            if (s0 >= 0) != (s1 >= 0) {
                let t = s0 / (s0 - s1)
                out.append(PlotPoint(x: current.x + t * (next.x - current.x), y: current.y + t * (next.y - current.y)))
            }
        }
        return out.count >= 3 ? out : []
    }
}
