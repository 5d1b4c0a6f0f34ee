import KMeansCore
import Testing

/// `nearestIndices` (the predict_cluster_index path) gives exactly `nearest`'s indices on every kernel path.
@Suite("nearestIndices")
struct NearestIndicesTests {
    @Test("equals nearest(_:state:).indices: plain and pruned passes, both metrics, mini-batch cosine", arguments: [
        (2000, 2, 5), (3000, 16, 16), (1500, 64, 40), (1200, 96, 33),
    ])
    func sameIndices(n: Int, d: Int, k: Int) throws {
        var random = SplitMix64(seed: UInt64(n * 31 + d * 7 + k))
        let means = (0..<(k * d)).map { _ in Float(random.nextUnit() * 20 - 10) }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let blob = Int(random.next() % UInt64(k))
            for t in 0..<d { values[i * d + t] = means[blob * d + t] + Float(random.nextUnit() - 0.5) }
        }
        let points = Matrix(rows: n, columns: d, values: values)
        let centers = points.gathering(rows: (0..<k).map { $0 * (n / k) })
        for (metric, miniBatch) in [(DistanceMetric.squaredEuclidean, false), (.cosine, false), (.cosine, true)] {
            let model = try ModelFunction(params: KMeansParams(
                numClusters: k, initialClusters: .matrix(centers), distanceMetric: metric, useMiniBatch: miniBatch))
            let state = try model.initialize(model.initialState(), batch: points)
            let expected = try model.nearest(points, state: state).indices
            let indices = try model.nearestIndices(points, state: state)
            #expect(indices.map { Int($0) } == expected, "n \(n) d \(d) k \(k) \(metric) mini-batch \(miniBatch)")
        }
    }

    @Test("refuses what nearest refuses: an uninitialised state, a batch of the wrong width, non-finite values")
    func sameErrors() throws {
        let model = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .matrix(Matrix([[0, 0], [1, 1]])), useMiniBatch: false))
        #expect(throws: KMeansError.self) { try model.nearestIndices(Matrix([[1, 2]]), state: model.initialState()) }
        let state = try model.initialize(model.initialState(), batch: Matrix([[0, 0], [1, 1]]))
        #expect(throws: KMeansError.self) { try model.nearestIndices(Matrix([[1, 2, 3]]), state: state) }
        #expect(throws: KMeansError.self) { try model.nearestIndices(Matrix([[1, .nan]]), state: state) }
        #expect(try model.nearestIndices(Matrix([[0.1, 0], [0.9, 1.2]]), state: state) == [0, 1])
    }
}
