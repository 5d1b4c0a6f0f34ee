import Testing
@testable import KMeansEstimator

/// Records each training step's loss.
final class LossRecorder: SessionRunHook {
    var losses: [Float] = []
    func afterStep(_ context: RunContext, loss: Float) throws { losses.append(loss) }
}

/// The estimator's `algorithm` option: full-batch training through Hamerly or auto gives Lloyd's run step by step.
@Suite("KMeansClustering algorithm option")
struct AlgorithmEstimatorTests {
    /// Trains `steps` steps in one `train` call (so the engine carries its bounds), then `extraCalls` more
    /// single-step calls (fresh engines), and returns the per-step losses, final centres and assignments.
    func run(_ algorithm: KMeansAlgorithm, points: Matrix, initial: Matrix, metric: DistanceMetric = .squaredEuclidean,
             steps: Int, extraCalls: Int = 2) throws -> (losses: [Float], centers: Matrix, indices: [Int64]) {
        let kmeans = try KMeansClustering(
            numClusters: initial.rows, initialClusters: .matrix(initial), distanceMetric: metric, useMiniBatch: false,
            config: RunConfig(saveCheckpointsSteps: 3), algorithm: algorithm)
        #expect(kmeans.params.algorithm == algorithm)
        let recorder = LossRecorder()
        let input = InputFunction.wholeArray(points, epochs: nil)
        try kmeans.train(input: input, hooks: [recorder], steps: steps)
        for _ in 0..<extraCalls { try kmeans.train(input: input, hooks: [recorder], steps: 1) }
        return (recorder.losses, try kmeans.clusterCenters(), try kmeans.predictClusterIndex(input: .wholeArray(points)))
    }

    func expectSameRun(_ a: (losses: [Float], centers: Matrix, indices: [Int64]),
                       _ b: (losses: [Float], centers: Matrix, indices: [Int64]), _ label: String) {
        #expect(a.centers == b.centers, "\(label): final centres")
        #expect(a.indices == b.indices, "\(label): final assignments")
        #expect(a.losses.count == b.losses.count, "\(label): steps")
        for (step, (x, y)) in zip(a.losses, b.losses).enumerated() {
            #expect(isClose(x, y, relative: 1e-5), "\(label) step \(step + 1): loss \(x) vs \(y)")
        }
    }

    @Test("TF parity fixture: Hamerly and auto reproduce Lloyd and TF's final assignments (full_batch_explicit)")
    func parityFixture() throws {
        let points = try inputPoints()
        let fixture = try loadFixture("full_batch_explicit")
        let lloyd = try run(.lloyd, points: points, initial: points.rows(0..<5), steps: 8)
        #expect(lloyd.indices.map { Int($0) } == (try ints(fixture["final_cluster_index"])))
        #expect(lloyd.losses.count == 10)
        expectSameRun(try run(.hamerly, points: points, initial: points.rows(0..<5), steps: 8), lloyd, "hamerly")
        expectSameRun(try run(.auto, points: points, initial: points.rows(0..<5), steps: 8), lloyd, "auto")
    }

    @Test("generated 18,000 × 12, k = 36: Hamerly and auto equal Lloyd at every step", arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func generated(metric: DistanceMetric) throws {
        var random = SplitMix64(seed: 99)
        let k = 36, d = 12, n = 18_000
        let means = (0..<(k * d)).map { _ in Float(random.nextUnit() * 20 - 10) }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let blob = i % k
            for t in 0..<d { values[i * d + t] = means[blob * d + t] + Float(random.nextUnit() * 2 - 1) }
        }
        let points = Matrix(rows: n, columns: d, values: values)
        let initial = points.gathering(rows: (0..<k).map { $0 * 37 + 5 })
        let lloyd = try run(.lloyd, points: points, initial: initial, metric: metric, steps: 6)
        expectSameRun(try run(.hamerly, points: points, initial: initial, metric: metric, steps: 6), lloyd, "hamerly")
        expectSameRun(try run(.auto, points: points, initial: initial, metric: metric, steps: 6), lloyd, "auto")
    }

    @Test("Hamerly with mini-batch is rejected naming `algorithm`")
    func rejectsMiniBatchHamerly() {
        guard case .invalidArgument(let argument, _)? = kmeansError({
            _ = try KMeansClustering(numClusters: 3, useMiniBatch: true, algorithm: .hamerly)
        }) else {
            Issue.record("useMiniBatch with .hamerly must be rejected"); return
        }
        #expect(argument == "algorithm")
    }
}
