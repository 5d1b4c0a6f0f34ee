import Testing
import TFFormats
@testable import KMeansEstimator

/// Mini-batch training through the estimator, one `train(steps: 1)` call per batch as TF's reference runs did,
/// compared variable by variable with the fixture models.
@Suite("Mini-batch through the estimator")
struct MiniBatchEstimatorTests {
    func replay(fixture name: String, metric: DistanceMetric, m: Int, modelKey: String, rate: MiniBatchLearningRate) throws {
        let fixture = try loadFixture(name)
        let initial = try matrix(fixture["initial_centers"])
        let batches = try #require(fixture["batches"] as? [Any]).map { try matrix($0) }
        let models = try #require(fixture["models"] as? [String: Any])
        let expected = try #require(models[modelKey] as? [[String: Any]])
        let kmeans = try KMeansClustering(
            numClusters: 5, initialClusters: .matrix(initial), distanceMetric: metric, miniBatchStepsPerIteration: m,
            miniBatchLearningRate: rate)
        for (t, batch) in batches.enumerated() {
            try kmeans.train(input: .sequence([batch]), steps: 1)
            let step = expected[t]
            #expect(try kmeans.variableValue("global_step") == .int64(Int64(t + 1)))
            #expect(maxRelativeDifference(try kmeans.clusterCenters(), try matrix(step["clusters"])) <= 1e-5, "step \(t + 1)")
            #expect(try kmeans.variableValue("Variable").int64Values == (try ints(step["counts"])).map { Int64($0) }, "step \(t + 1)")
            if m > 1 {
                let working = try kmeans.variableValue("clusters_updated")
                let workingMatrix = Matrix(rows: working.shape[0], columns: working.shape[1], values: working.floatValues ?? [])
                #expect(maxRelativeDifference(workingMatrix, try matrix(step["clusters_updated"])) <= 1e-5, "step \(t + 1)")
                #expect(try kmeans.variableValue("update_in_steps") == .int64(Int64(try ints([step["update_in_steps"]!])[0])))
            }
        }
        #expect(try kmeans.variableNames() == (fixture["variable_names"] as? [String]))
    }

    @Test("M = 4, documented rule, step by step through checkpoints")
    func m4() throws {
        try replay(fixture: "minibatch_M4", metric: .squaredEuclidean, m: 4, modelKey: "lr=1/(n+m)/assign-with-pre-sync-clusters", rate: .documented)
    }

    @Test("M = 4 with the TF 2.15 rate reproduces its model")
    func m4TF215() throws {
        try replay(fixture: "minibatch_M4", metric: .squaredEuclidean, m: 4, modelKey: "lr=1/(n+2m)/assign-with-pre-sync-clusters", rate: .tf215)
    }

    @Test("M = 1 cosine: cluster_centers() is the un-normalised stored variable, as TF")
    func m1Cosine() throws {
        try replay(fixture: "minibatch_M1_cosine", metric: .cosine, m: 1, modelKey: "lr=1/(n+m)", rate: .documented)
    }

    @Test("with the TF 2.15 rate, our steps equal TF's own M = 4 runs while TF took that race outcome")
    func tfRunsAgreeWithCompatibilityRate() throws {
        let fixture = try loadFixture("minibatch_M4")
        let runs = try #require(fixture["tf_runs"] as? [[[String: Any]]])
        let outcomes = try #require(fixture["per_step_race_outcome_(per_repetition)"] as? [[[String]]])
        let batches = try #require(fixture["batches"] as? [Any]).map { try matrix($0) }
        let model = try ModelFunction(params: KMeansParams(
            numClusters: 5, initialClusters: .matrix(try matrix(fixture["initial_centers"])),
            miniBatchStepsPerIteration: 4, miniBatchLearningRate: .tf215))
        var compared = 0
        for (run, steps) in zip(runs, outcomes) {
            var state = try model.initialize(model.initialState(), batch: batches[0])
            for (t, outcome) in steps.enumerated() {
                guard outcome.contains("lr=1/(n+2m)/assign-with-pre-sync-clusters") else { break }
                state = try model.trainStep(state, batch: batches[t]).state
                #expect(maxRelativeDifference(try #require(state.clustersUpdated), try matrix(run[t]["clusters_updated"])) <= 1e-5)
                #expect(maxRelativeDifference(state.clusters, try matrix(run[t]["clusters"])) <= 1e-5)
                #expect(state.clusterCounts == (try ints(run[t]["counts"])).map { Int64($0) })
                compared += 1
            }
        }
        #expect(compared >= 4)
    }

    @Test("M ≤ 0 behaves like M = 1, as TF")
    func nonPositiveM() throws {
        let points = try inputPoints()
        func run(_ m: Int) throws -> Matrix {
            let kmeans = try KMeansClustering(numClusters: 3, initialClusters: .matrix(points.rows(0..<3)), miniBatchStepsPerIteration: m)
            try kmeans.train(input: .batches(points, batchSize: 25), steps: 4)
            #expect(try kmeans.variableNames() == ["Variable", "clusters", "global_step", "initialized"])
            return try kmeans.clusterCenters()
        }
        let one = try run(1)
        #expect(try run(0) == one)
        #expect(try run(-3) == one)
    }
}
