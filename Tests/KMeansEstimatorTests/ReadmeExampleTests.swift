import Foundation
import KMeansEstimator
import Testing

/// The library example of the README, kept compiling and true.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("the README's library snippet trains, predicts and scores as it says")
    func readmeSnippet() throws {
        let modelDir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: modelDir) }

        // --- the README snippet, with its /tmp path replaced by a fresh directory ---
        let points = Matrix([[1, 2], [1.5, 1.8], [5, 8], [8, 8], [1, 0.6], [9, 11]])
        let kmeans = try KMeansClustering(numClusters: 2, modelDir: modelDir,
                                          initialClusters: .kmeansPlusPlus, useMiniBatch: false)
        let input = InputFunction.wholeArray(points, epochs: 1)
        for _ in 0..<10 { try kmeans.train(input: input) }
        let centers = try kmeans.clusterCenters()
        let indices = try kmeans.predictClusterIndex(input: input)
        let score = try kmeans.score(input: input)
        // ---

        // The two natural groups: {0, 1, 4} near (1.17, 1.47) and {2, 3, 5} near (7.33, 9).
        #expect(indices[0] == indices[1] && indices[1] == indices[4])
        #expect(indices[2] == indices[3] && indices[3] == indices[5])
        #expect(indices[0] != indices[2])
        let low = Array(centers.row(Int(indices[0]))), high = Array(centers.row(Int(indices[2])))
        #expect(abs(low[0] - 3.5 / 3) < 1e-4 && abs(low[1] - 4.4 / 3) < 1e-4)
        #expect(abs(high[0] - 22 / 3) < 1e-4 && abs(high[1] - 9) < 1e-4)
        // Sum of squared distances to the nearest centre, positive as in TF.
        var expected: Float = 0
        for i in 0..<points.rows {
            let c = centers.row(Int(indices[i]))
            expected += zip(points.row(i), c).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        }
        #expect(score > 0 && abs(score - expected) <= 1e-4 * expected)
        #expect(FileManager.default.fileExists(atPath: modelDir + "/checkpoint"))
    }
}
