import Testing
@testable import KMeansCore

/// Mini-batch steps against the deterministic float32 model of TF's documented rule (`lr = 1/(n+m)`, assignment
/// with pre-sync clusters) stored in `minibatch_*.json`, step by step over 13 batches of 20.
@Suite("Mini-batch parity with TF's documented rule")
struct MiniBatchParityTests {
    func check(fixture name: String, metric: DistanceMetric, steps m: Int, modelKey: String, rate: MiniBatchLearningRate = .documented) throws {
        let fixture = try loadFixture(name)
        let initial = try matrix(fixture["initial_centers"])
        let batches = try #require(fixture["batches"] as? [Any]).map { try matrix($0) }
        let models = try #require(fixture["models"] as? [String: Any])
        let expected = try #require(models[modelKey] as? [[String: Any]])
        #expect(batches.count == 13 && expected.count == 13)

        let params = KMeansParams(
            numClusters: 5, initialClusters: .matrix(initial), distanceMetric: metric, useMiniBatch: true,
            miniBatchStepsPerIteration: m, miniBatchLearningRate: rate)
        let model = try ModelFunction(params: params)
        var state = try model.initialize(model.initialState(), batch: batches[0])
        for (t, batch) in batches.enumerated() {
            state = try model.trainStep(state, batch: batch).state
            let step = expected[t]
            let clusters = try matrix(step["clusters"])
            let difference = maxRelativeDifference(state.clusters, clusters)
            #expect(difference <= 1e-5, "step \(t + 1): clusters differ by \(difference)")
            let counts = try ints(step["counts"]).map { Int64($0) }
            #expect(state.clusterCounts == counts, "step \(t + 1): counts")
            if m > 1 {
                let working = try matrix(step["clusters_updated"])
                let workingDifference = maxRelativeDifference(try #require(state.clustersUpdated), working)
                #expect(workingDifference <= 1e-5, "step \(t + 1): clusters_updated differ by \(workingDifference)")
                #expect(state.updateInSteps == Int64(try ints([step["update_in_steps"]!])[0]), "step \(t + 1): update_in_steps")
            }
        }
    }

    @Test("M = 1, squared Euclidean, lr = 1/(n+m)")
    func m1() throws {
        try check(fixture: "minibatch_M1", metric: .squaredEuclidean, steps: 1, modelKey: "lr=1/(n+m)")
    }

    @Test("M = 1, cosine, lr = 1/(n+m)")
    func m1Cosine() throws {
        try check(fixture: "minibatch_M1_cosine", metric: .cosine, steps: 1, modelKey: "lr=1/(n+m)")
    }

    @Test("M = 4, squared Euclidean, lr = 1/(n+m), pre-sync assignment")
    func m4() throws {
        try check(fixture: "minibatch_M4", metric: .squaredEuclidean, steps: 4, modelKey: "lr=1/(n+m)/assign-with-pre-sync-clusters")
    }

    @Test("TF 2.15 compatibility rate 1/(n+2m) reproduces TF's own runs (M = 1)")
    func m1TF215() throws {
        try check(fixture: "minibatch_M1", metric: .squaredEuclidean, steps: 1, modelKey: "lr=1/(n+2m)", rate: .tf215)
    }

    @Test("TF 2.15 compatibility rate, M = 4, pre-sync assignment")
    func m4TF215() throws {
        try check(fixture: "minibatch_M4", metric: .squaredEuclidean, steps: 4, modelKey: "lr=1/(n+2m)/assign-with-pre-sync-clusters", rate: .tf215)
    }
}
