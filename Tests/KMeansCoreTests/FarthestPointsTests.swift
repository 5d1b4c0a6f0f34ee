import Testing
@testable import KMeansCore

/// The farthest-point selection of `EmptyClusterPolicy.farthestPoint` against the full sort it replaced.
@Suite("FarthestPoints")
struct FarthestPointsTests {
    /// The reference order: every index sorted by distance descending, ties to the lower index.
    static func sortedOrder(_ distances: [Float]) -> [Int] {
        distances.indices.sorted {
            let a = distances[$0], b = distances[$1]
            return a != b ? a > b : $0 < $1
        }
    }

    @Test("the first m of the sorted order, with many ties, for every m up to past n", arguments: [0, 1, 2, 7, 40])
    func equalsSortPrefix(levels: Int) {
        var random = SplitMix64(seed: UInt64(levels) + 3)
        for n in [0, 1, 5, 300] {
            // Few distinct values (levels > 0) make ties everywhere; 0 levels: continuous values.
            let distances = (0..<n).map { _ -> Float in
                levels > 0 ? Float(random.next() % UInt64(levels)) : Float(random.nextUnit())
            }
            let reference = Self.sortedOrder(distances)
            for m in [0, 1, 2, 3, 8, n, n + 2] {
                #expect(FarthestPoints.indices(m, of: distances) == Array(reference.prefix(m)), "n \(n), m \(m)")
            }
        }
    }
}
