import Testing
@testable import KMeansCore

/// Full-batch Lloyd steps against TF 2.15's reference runs (`full_batch_*.json`): assignments identical, centres
/// within 1e-5 relative at each of the 10 steps, losses and scores within 1e-5 relative.
@Suite("Full-batch parity with TF")
struct FullBatchParityTests {
    /// Runs 10 steps from the fixture's initial centres and compares each step.
    func checkTenSteps(fixture name: String, params: KMeansParams, initializeFrom batchForInit: Matrix) throws {
        let fixture = try loadFixture(name)
        let points = try inputPoints()
        let model = try ModelFunction(params: params)
        var state = try model.initialize(model.initialState(), batch: batchForInit)
        #expect(state.initialized)
        let expectedInit = try matrix(fixture["initial_centers_after_init_op"])
        #expect(maxRelativeDifference(state.clusters, expectedInit) <= 1e-6, "initial centres")

        let iterations = try #require(fixture["iterations"] as? [[String: Any]])
        let losses = try #require(fixture["training_loss_per_step_(SSE_wrt_centres_before_update)"] as? [Any])
        #expect(iterations.count == 10)
        for (t, iteration) in iterations.enumerated() {
            let result = try model.trainStep(state, batch: points)
            state = result.state
            #expect(state.globalStep == Int64(t + 1))
            let expectedCenters = try matrix(iteration["centers"])
            let difference = maxRelativeDifference(state.clusters, expectedCenters)
            #expect(difference <= 1e-5, "step \(t + 1): centres differ by \(difference) relative")
            #expect(isClose(result.loss, try float(losses[t])), "step \(t + 1): loss \(result.loss) vs TF \(losses[t])")
            let score = try model.nearest(points, state: state).loss
            #expect(isClose(score, try float(iteration["score"])), "step \(t + 1): score \(score) vs TF \(iteration["score"]!)")
        }
        let final = try model.nearest(points, state: state)
        #expect(final.indices == (try ints(fixture["final_cluster_index"])), "final assignments")
        let allDistances = try model.allDistances(points, state: state)
        let expectedDistances = try matrix(fixture["final_all_distances_raw"])
        for (ours, theirs) in zip(allDistances.values, expectedDistances.values) {
            // Raw distances of ~1e5 from a matmul formula: compare with an absolute floor for near-zero values.
            #expect(isClose(ours, theirs, relative: 1e-5, absolute: params.distanceMetric == .cosine ? 1e-6 : 0.5))
        }
    }

    @Test("explicit init points[0:5], squared Euclidean")
    func explicitEuclidean() throws {
        let points = try inputPoints()
        let params = KMeansParams(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: false)
        try checkTenSteps(fixture: "full_batch_explicit", params: params, initializeFrom: points)
    }

    @Test("explicit init, cosine")
    func explicitCosine() throws {
        let points = try inputPoints()
        let initial = points.gathering(rows: [33, 95, 22, 32, 77])
        let given = try matrix(try loadFixture("full_batch_cosine")["initial_centers_given"])
        #expect(initial == given)
        let params = KMeansParams(numClusters: 5, initialClusters: .matrix(initial), distanceMetric: .cosine, useMiniBatch: false)
        try checkTenSteps(fixture: "full_batch_cosine", params: params, initializeFrom: points)
    }

    @Test("k-means++ with seed 42, squared Euclidean")
    func kmeansPlusPlusSeed42() throws {
        let points = try inputPoints()
        let params = KMeansParams(numClusters: 5, initialClusters: .kmeansPlusPlus, randomSeed: 42, useMiniBatch: false)
        try checkTenSteps(fixture: "full_batch_kmeanspp", params: params, initializeFrom: points)
    }
}
