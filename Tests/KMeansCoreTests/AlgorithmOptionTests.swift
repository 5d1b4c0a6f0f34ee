import Testing
@testable import KMeansCore

/// The `algorithm` option: full-batch training on an `AssignmentEngine` (Lloyd, Hamerly or auto) must give the same
/// assignments and centres as the plain Lloyd step at every step, on TF's parity fixtures and on larger data.
@Suite("Full-batch algorithm option")
struct AlgorithmOptionTests {
    /// Runs `steps` training steps twice from the same initialization — the plain step and the engine step with
    /// `algorithm` — and compares assignments and centres bit for bit (losses to float rounding) at every step.
    /// Returns the engine's full-search counts per step.
    @discardableResult
    func compareSteps(params: KMeansParams, algorithm: KMeansAlgorithm, points: Matrix, steps: Int) throws -> [Int] {
        let plain = try ModelFunction(params: params)
        var engineParams = params
        engineParams.algorithm = algorithm
        let fast = try ModelFunction(params: engineParams)
        var engine = AssignmentEngine(algorithm: algorithm)
        var plainState = try plain.initialize(plain.initialState(), batch: points)
        var fastState = try fast.initialize(fast.initialState(), batch: points, engine: &engine)
        var summaryEngine = AssignmentEngine(algorithm: algorithm)
        var summaryState = fastState
        #expect(plainState.clusters == fastState.clusters, "initial centres")
        var fullSearches: [Int] = []
        for step in 1...steps {
            let expected = try plain.trainStep(plainState, batch: points)
            let actual = try fast.trainStep(fastState, batch: points, engine: &engine)
            fullSearches.append(engine.lastFullSearchCount)
            let summary = try fast.trainStepSummary(summaryState, batch: points, engine: &summaryEngine)
            #expect(summary.state.clusters == actual.state.clusters, "\(algorithm) step \(step): summary centres")
            #expect(summary.state.globalStep == actual.state.globalStep)
            #expect(summary.loss == actual.loss, "\(algorithm) step \(step): summary loss")
            summaryState = summary.state
            #expect(actual.assignment.indices == expected.assignment.indices, "\(algorithm) step \(step): assignments")
            #expect(actual.state.clusters == expected.state.clusters, "\(algorithm) step \(step): centres")
            #expect(actual.state.globalStep == expected.state.globalStep)
            #expect(isClose(actual.loss, expected.loss, relative: 1e-5), "\(algorithm) step \(step): loss \(actual.loss) vs \(expected.loss)")
            plainState = expected.state
            fastState = actual.state
        }
        return fullSearches
    }

    @Test("parity fixtures: every algorithm equals Lloyd at every step", arguments: [KMeansAlgorithm.lloyd, .hamerly, .auto])
    func parityFixtures(algorithm: KMeansAlgorithm) throws {
        let points = try inputPoints()
        let explicit = KMeansParams(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: false)
        try compareSteps(params: explicit, algorithm: algorithm, points: points, steps: 10)
        let cosine = KMeansParams(numClusters: 5, initialClusters: .matrix(points.gathering(rows: [33, 95, 22, 32, 77])),
                                  distanceMetric: .cosine, useMiniBatch: false)
        try compareSteps(params: cosine, algorithm: algorithm, points: points, steps: 10)
        let plusPlus = KMeansParams(numClusters: 5, initialClusters: .kmeansPlusPlus, randomSeed: 42, useMiniBatch: false)
        try compareSteps(params: plusPlus, algorithm: algorithm, points: points, steps: 10)
    }

    @Test("TF's reference centres are reproduced through the Hamerly engine (full_batch_explicit)")
    func tfReferenceThroughHamerly() throws {
        let fixture = try loadFixture("full_batch_explicit")
        let points = try inputPoints()
        let params = KMeansParams(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: false,
                                  algorithm: .hamerly)
        let model = try ModelFunction(params: params)
        var engine = AssignmentEngine(algorithm: .hamerly)
        var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        let iterations = try #require(fixture["iterations"] as? [[String: Any]])
        for (t, iteration) in iterations.enumerated() {
            state = try model.trainStep(state, batch: points, engine: &engine).state
            let difference = maxRelativeDifference(state.clusters, try matrix(iteration["centers"]))
            #expect(difference <= 1e-5, "step \(t + 1): centres differ by \(difference) relative")
        }
        #expect(try model.nearest(points, state: state).indices == (try ints(fixture["final_cluster_index"])))
    }

    @Test("generated 20,000 × 8, k = 40 (several partitions): Hamerly and auto equal Lloyd and skip searches",
          arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func largerGeneratedSet(metric: DistanceMetric) throws {
        let points = KernelTestData.blobs(n: 20_000, d: 8, blobs: 40, seed: 7)
        let initial = KernelTestData.distinctRows(of: points, k: 40, seed: 11)
        let params = KMeansParams(numClusters: 40, initialClusters: .matrix(initial), distanceMetric: metric,
                                  useMiniBatch: false)
        #expect(KMeansAlgorithm.auto.resolved(points: 20_000, dimensions: 8, centers: 40) == .hamerly)
        let hamerlySearches = try compareSteps(params: params, algorithm: .hamerly, points: points, steps: 8)
        #expect(hamerlySearches.first == 20_000, "the first pass searches every point")
        #expect(hamerlySearches.last! < 20_000 / 2, "bounds skip most searches once centres settle: \(hamerlySearches)")
        try compareSteps(params: params, algorithm: .auto, points: points, steps: 4)
    }

    @Test("farthest-point relocation of empty clusters: engine and summary steps equal the plain step")
    func emptyClusters() throws {
        let points = try inputPoints()
        // Two identical initial centres: the second stays empty and is relocated every step.
        var initialValues = points.rows(0..<6).values
        for t in 0..<points.columns { initialValues[5 * points.columns + t] = initialValues[t] }
        let initial = Matrix(rows: 6, columns: points.columns, values: initialValues)
        for metric in DistanceMetric.allCases {
            let params = KMeansParams(numClusters: 6, initialClusters: .matrix(initial), distanceMetric: metric,
                                      useMiniBatch: false, emptyClusterPolicy: .farthestPoint)
            try compareSteps(params: params, algorithm: .hamerly, points: points, steps: 5)
        }
    }

    @Test("the engine notices a new batch: bounds reset, new data validated")
    func changingBatches() throws {
        let a = KernelTestData.blobs(n: 3_000, d: 8, blobs: 32, seed: 1)
        let b = KernelTestData.blobs(n: 3_000, d: 8, blobs: 32, seed: 2)
        let initial = KernelTestData.distinctRows(of: a, k: 32, seed: 3)
        let params = KMeansParams(numClusters: 32, initialClusters: .matrix(initial), useMiniBatch: false,
                                  algorithm: .hamerly)
        let model = try ModelFunction(params: params)
        var engine = AssignmentEngine(algorithm: .hamerly)
        var plainState = try model.initialize(model.initialState(), batch: a)
        var fastState = plainState
        // Same contents in fresh storage count as the same batch; different contents as a new one.
        let sameContents = Matrix(rows: a.rows, columns: a.columns, values: Array(a.values))
        for batch in [a, a, b, b, sameContents, a, b] {
            let expected = try model.trainStep(plainState, batch: batch)
            let actual = try model.trainStep(fastState, batch: batch, engine: &engine)
            #expect(actual.assignment.indices == expected.assignment.indices)
            #expect(actual.state.clusters == expected.state.clusters)
            plainState = expected.state
            fastState = actual.state
        }
        var bad = b.values
        bad[5 * 8 + 3] = .nan
        let withNaN = Matrix(rows: b.rows, columns: b.columns, values: bad)
        #expect(throws: KMeansError.invalidInput("batch row 5, column 3 is nan, not a finite number")) {
            _ = try model.trainStep(fastState, batch: withNaN, engine: &engine)
        }
        let narrow = Matrix(rows: 4, columns: 3)
        #expect(throws: KMeansError.invalidInput("batch has 3 columns but the centres have 8")) {
            _ = try model.trainStep(fastState, batch: narrow, engine: &engine)
        }
    }

    @Test("mini-batch steps ignore the engine and give the plain result")
    func miniBatchIgnoresEngine() throws {
        let points = try inputPoints()
        let params = KMeansParams(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)))
        let model = try ModelFunction(params: params)
        var engine = AssignmentEngine(algorithm: .auto)
        let state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        let expected = try model.trainStep(state, batch: points)
        let actual = try model.trainStep(state, batch: points, engine: &engine)
        #expect(actual.state.clusters == expected.state.clusters)
        #expect(actual.state.clusterCounts == expected.state.clusterCounts)
    }

    @Test("predictions(…) equal nearest(…) and allDistances(…), each computed only when asked", arguments: DistanceMetric.allCases)
    func predictions(metric: DistanceMetric) throws {
        let points = try inputPoints()
        let model = try ModelFunction(params: KMeansParams(
            numClusters: 5, initialClusters: .matrix(points.gathering(rows: [33, 95, 22, 32, 77])), distanceMetric: metric,
            useMiniBatch: false))
        let state = try model.trainStep(try model.initialize(model.initialState(), batch: points), batch: points).state
        let both = try model.predictions(points, state: state, nearest: true, allDistances: true)
        #expect(both.nearest == (try model.nearest(points, state: state)))
        #expect(both.allDistances == (try model.allDistances(points, state: state)))
        let onlyDistances = try model.predictions(points, state: state, nearest: false, allDistances: true)
        #expect(onlyDistances.nearest == nil && onlyDistances.allDistances == both.allDistances)
        let onlyNearest = try model.predictions(points, state: state, nearest: true, allDistances: false)
        #expect(onlyNearest.allDistances == nil && onlyNearest.nearest == both.nearest)
        #expect(throws: KMeansError.invalidInput("batch has 3 columns but the centres have \(points.columns)")) {
            _ = try model.predictions(Matrix(rows: 2, columns: 3), state: state, nearest: true, allDistances: false)
        }
    }

    @Test("pruned predict equals the plain pass; separated blobs skip most searches")
    func prunedPredict() {
        let blobs = KernelTestData.blobs(n: 3_000, d: 64, blobs: 32, seed: 21)
        // The blob means themselves (approximately): one step of Lloyd from distinct rows.
        let centers = KernelTestData.distinctRows(of: blobs, k: 40, seed: 22)
        let plain = DistanceKernels.lloydPass(points: blobs, centers: centers, accumulate: false).indices
        let pruned = DistanceKernels.prunedNearestIndices(points: blobs, centers: centers)
        #expect(pruned.indices == plain)
        let uniform = KernelTestData.uniform(n: 2_000, d: 64, scale: 1, seed: 23)
        let uniformCenters = KernelTestData.distinctRows(of: uniform, k: 33, seed: 24)
        let overlapping = DistanceKernels.prunedNearestIndices(points: uniform, centers: uniformCenters)
        #expect(overlapping.indices == DistanceKernels.lloydPass(points: uniform, centers: uniformCenters, accumulate: false).indices)
        // Centres at the blob means: nearly every guess is certified without a full search.
        var random = KernelTestRandom(seed: 25)
        let meanValues = (0..<(32 * 64)).map { _ in random.uniform(-10, 10) }
        let means = Matrix(rows: 32, columns: 64, values: meanValues)
        let around = Matrix(rows: 3_000, columns: 64, values: (0..<(3_000 * 64)).map { meanValues[($0 / 64) % 32 * 64 + $0 % 64] + random.normal() })
        let certified = DistanceKernels.prunedNearestIndices(points: around, centers: means)
        #expect(certified.indices == DistanceKernels.lloydPass(points: around, centers: means, accumulate: false).indices)
        #expect(certified.fullSearches < 3_000 / 10, "full searches: \(certified.fullSearches)")
        // Small shapes take the plain pass.
        let small = DistanceKernels.prunedNearestIndices(points: blobs.leadingColumns(8), centers: centers.leadingColumns(8))
        #expect(small.fullSearches == 3_000)
    }

    @Test("validation: Hamerly needs full batch; names parse")
    func validation() throws {
        #expect(throws: KMeansError.self) { try KMeansParams(numClusters: 3, algorithm: .hamerly).validate() }
        do {
            try KMeansParams(numClusters: 3, algorithm: .hamerly).validate()
        } catch let KMeansError.invalidArgument(argument, _) {
            #expect(argument == "algorithm")
        }
        try KMeansParams(numClusters: 3, useMiniBatch: false, algorithm: .hamerly).validate()
        try KMeansParams(numClusters: 3, algorithm: .lloyd).validate()
        #expect(KMeansParams(numClusters: 3).algorithm == .auto)
        #expect(try KMeansAlgorithm(name: "hamerly") == .hamerly)
        #expect(throws: KMeansError.invalidArgument(argument: "algorithm", reason: "Unsupported algorithm 'elkan' (use auto, lloyd, hamerly or incremental)")) {
            _ = try KMeansAlgorithm(name: "elkan")
        }
    }

    @Test("the vectorised finiteness scan finds the first bad value anywhere", arguments: [0, 15, 63, 64, 130, 199])
    func finitenessScan(position: Int) {
        var values = (0..<200).map { Float($0) - 100 }
        #expect(Matrix(rows: 40, columns: 5, values: values).firstNonFiniteIndex() == nil)
        values[position] = .infinity
        values[199] = -.infinity
        #expect(Matrix(rows: 40, columns: 5, values: values).firstNonFiniteIndex() == position)
        values[position] = -.nan
        #expect(Matrix(rows: 40, columns: 5, values: values).firstNonFiniteIndex() == position)
    }
}
