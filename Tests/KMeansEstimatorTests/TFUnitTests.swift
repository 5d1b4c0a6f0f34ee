import Foundation
import Testing
@testable import KMeansEstimator

/// TensorFlow's own estimator tests (`kmeans_test.py`, spec §9) re-expressed on the fixture data
/// (`unit_test_data.json`), with TF's tolerances. Where a test draws fresh numpy random data, a seeded generator
/// draws data of the same distribution instead.
///
/// TF's tests pass `seed=24`/`12` without `RunConfig.tf_random_seed`, which TF turns into the graph seed 87654321
/// (spec §2.6); `randomSeed` plays `tf_random_seed`, so those runs use `TFSeeds.tfDefaultGraphSeed`, and
/// `config(s)` runs use `randomSeed: s`.
@Suite("TF kmeans_test.py, re-expressed")
struct TFUnitTests {
    /// One of TF's test-class configurations.
    struct Mode: CustomStringConvertible, Sendable {
        var name: String
        var useMiniBatch: Bool
        var stepsPerIteration: Int
        var batchSize: Int?   // nil: the whole data set
        var description: String { name }

        /// TF's `randomize` default: random batches for mini-batch with M ≤ 1, sequential otherwise.
        func input(_ points: Matrix, batchSize override: Int? = nil) -> InputFunction {
            let size = override ?? batchSize ?? points.rows
            if size >= points.rows { return .wholeArray(points, epochs: nil) }
            return .batches(points, batchSize: size, epochs: nil, shuffleSeed: useMiniBatch && stepsPerIteration <= 1 ? 10 : nil)
        }
    }

    static let kmeansModes: [Mode] = [
        Mode(name: "KMeansTest (full batch)", useMiniBatch: false, stepsPerIteration: 1, batchSize: nil),
        Mode(name: "MiniBatchKMeansTest (batch 50, M = 1)", useMiniBatch: true, stepsPerIteration: 1, batchSize: 50),
        Mode(name: "FullBatchAsyncKMeansTest (batch 50, M = 20)", useMiniBatch: true, stepsPerIteration: 20, batchSize: 50),
    ]

    static let cosineModes: [Mode] = [
        Mode(name: "KMeansCosineDistanceTest (full batch)", useMiniBatch: false, stepsPerIteration: 1, batchSize: nil),
        Mode(name: "MiniBatchKMeansCosineTest (batch 2, M = 1)", useMiniBatch: true, stepsPerIteration: 1, batchSize: 2),
        Mode(name: "FullBatchAsyncKMeansCosineTest (batch 2, M = 4)", useMiniBatch: true, stepsPerIteration: 4, batchSize: 2),
    ]

    struct KMeansData {
        var points: Matrix
        var trueCenters: Matrix
        var trueAssignments: [Int]
        var trueScore: Float
    }

    static func data(_ key: String) throws -> KMeansData {
        let fixture = try #require(try loadFixture("unit_test_data")[key] as? [String: Any])
        return KMeansData(
            points: try matrix(fixture["points"]), trueCenters: try matrix(fixture["true_centers"]),
            trueAssignments: try ints(fixture["true_assignments"]), trueScore: try float(fixture["true_score"]))
    }

    func kmeans(_ mode: Mode, k: Int = 5, initial: InitialClusters = .kmeansPlusPlus, metric: DistanceMetric = .squaredEuclidean,
                seed: Int64 = TFSeeds.tfDefaultGraphSeed, relativeTolerance: Double? = nil) throws -> KMeansClustering {
        try KMeansClustering(
            numClusters: k, initialClusters: initial, distanceMetric: metric, randomSeed: seed,
            useMiniBatch: mode.useMiniBatch, miniBatchStepsPerIteration: mode.stepsPerIteration,
            relativeTolerance: relativeTolerance)
    }

    // MARK: KMeansTest and its mini-batch subclasses (§9.2, §9.4)

    @Test("test_clusters", arguments: kmeansModes)
    func clusters(mode: Mode) throws {
        let data = try Self.data("KMeansTest")
        let model = try kmeans(mode)
        try model.train(input: mode.input(data.points), steps: 1)
        let centers = try model.clusterCenters()
        #expect(centers.rows == 5 && centers.columns == 2)
    }

    @Test("test_fit", arguments: kmeansModes)
    func fit(mode: Mode) throws {
        let data = try Self.data("KMeansTest")
        let model = try kmeans(mode)
        let input = mode.input(data.points)
        let whole = InputFunction.wholeArray(data.points)
        try model.train(input: input, steps: 1)
        let score1 = try model.score(input: whole)
        try model.train(input: input, steps: 10 * 1000 / (mode.batchSize ?? 1000))
        let score2 = try model.score(input: whole)
        #expect(score1 > score2)
        #expect(abs(score2 - data.trueScore) <= 0.05 * data.trueScore, "score \(score2) vs true \(data.trueScore)")
    }

    @Test("test_monitor (full batch only): relative tolerance 1e-4 stops near the true score")
    func monitor() throws {
        let data = try Self.data("KMeansTest")
        let mode = Self.kmeansModes[0]
        let model = try kmeans(mode, seed: 14, relativeTolerance: 1e-4)
        try model.train(input: mode.input(data.points))
        let score = try model.score(input: .wholeArray(data.points))
        #expect(abs(score - data.trueScore) <= 0.01 * data.trueScore, "score \(score) vs true \(data.trueScore)")
        #expect(try model.variableValue("global_step").int64Values!.first! < 100)
    }

    /// TF's `make_random_points`: points around `centers` with offsets `round(N(0,1)·20)`, a seeded generator.
    static func randomPoints(around centers: Matrix, count: Int, seed: UInt64) -> (Matrix, [Int], Float) {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        var values: [Float] = []
        var assignments: [Int] = []
        var offsetSquares: Float = 0
        for _ in 0..<count {
            let j = Int(generator.next() % UInt64(centers.rows))
            assignments.append(j)
            for t in 0..<centers.columns {
                let offset = Float((normal() * 20).rounded())
                values.append(centers[j, t] + offset)
                offsetSquares += offset * offset
            }
        }
        return (Matrix(rows: count, columns: centers.columns, values: values), assignments, offsetSquares)
    }

    @Test("test_infer", arguments: kmeansModes)
    func infer(mode: Mode) throws {
        let data = try Self.data("KMeansTest")
        let model = try kmeans(mode)
        try model.train(input: mode.input(data.points), maxSteps: 1)
        let clusters = try model.clusterCenters()
        for (n, seed) in [(10, UInt64(3)), (1, UInt64(4))] {
            let (points, trueAssignments, trueOffsets) = Self.randomPoints(around: clusters, count: n, seed: seed)
            let input = InputFunction.wholeArray(points)
            #expect(try model.predictClusterIndex(input: input).map { Int($0) } == trueAssignments)
            let score = try model.score(input: input)
            #expect(abs(score - trueOffsets) <= 0.01 * score, "score \(score) vs offsets \(trueOffsets)")
            let transform = try model.transform(input: input)
            for i in 0..<n {
                for j in 0..<clusters.rows {
                    var xx: Float = 0, xc: Float = 0, cc: Float = 0
                    for t in 0..<2 { xx += points[i, t] * points[i, t]; xc += points[i, t] * clusters[j, t]; cc += clusters[j, t] * clusters[j, t] }
                    let expected = max(0, xx - 2 * xc + cc).squareRoot()
                    #expect(abs(transform[i, j] - expected) <= 10 + 0.05 * abs(expected))
                }
            }
        }
    }

    // MARK: KMeansTestMultiStageInit (§9.3)

    @Test("test_random: five init runs on batches of 1 take the points in order; M = 100 keeps them")
    func multiStageRandom() throws {
        let points = Matrix([[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]])
        let model = try KMeansClustering(numClusters: 5, initialClusters: .random, randomSeed: TFSeeds.tfDefaultGraphSeed, useMiniBatch: true, miniBatchStepsPerIteration: 100)
        try model.train(input: .batches(points, batchSize: 1, epochs: nil), steps: 1)
        #expect(try model.clusterCenters() == points)
    }

    @Test("test_kmeans_plus_plus_batch_just_right")
    func kmeansPlusPlusJustRight() throws {
        let points = Matrix([[1, 2]])
        let model = try KMeansClustering(numClusters: 1, initialClusters: .kmeansPlusPlus, randomSeed: TFSeeds.tfDefaultGraphSeed, useMiniBatch: true, miniBatchStepsPerIteration: 100)
        try model.train(input: .batches(points, batchSize: 1, epochs: nil), steps: 1)
        #expect(try model.clusterCenters() == points)
    }

    @Test("test_kmeans_plus_plus_batch_too_small raises")
    func kmeansPlusPlusTooSmall() throws {
        let points = Matrix([[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]])
        let model = try KMeansClustering(numClusters: 5, initialClusters: .kmeansPlusPlus, randomSeed: TFSeeds.tfDefaultGraphSeed, useMiniBatch: true, miniBatchStepsPerIteration: 100)
        guard case .initializationFailed? = kmeansError({ try model.train(input: .batches(points, batchSize: 4, epochs: nil), steps: 1) }) else {
            Issue.record("a first batch smaller than k must fail k-means++"); return
        }
    }

    // MARK: Cosine tests (§9.5)

    /// Rows sorted by their first coordinate (TF sorts centres by x before comparing).
    static func sortedByX(_ m: Matrix) -> [[Float]] { m.nestedRows.sorted { $0[0] < $1[0] } }

    static func expectClose(_ a: [[Float]], _ b: [[Float]], atol: Float, _ comment: Comment? = nil) {
        #expect(a.count == b.count, comment)
        for (x, y) in zip(a, b) {
            for (u, v) in zip(x, y) { #expect(abs(u - v) <= atol, "\(a) vs \(b) \(comment?.rawValue ?? "")") }
        }
    }

    @Test("cosine test_fit", arguments: cosineModes)
    func cosineFit(mode: Mode) throws {
        let data = try Self.data("KMeansCosineDistanceTest")
        let model = try kmeans(mode, k: 2, initial: .random, metric: .cosine, seed: 3)
        try model.train(input: mode.input(data.points), maxSteps: 10 * 8 / (mode.batchSize ?? 8))
        let centers = try model.clusterCenters().l2NormalizedRows()
        Self.expectClose(Self.sortedByX(centers), Self.sortedByX(data.trueCenters), atol: 0.04)
    }

    @Test("cosine test_transform", arguments: cosineModes)
    func cosineTransform(mode: Mode) throws {
        let data = try Self.data("KMeansCosineDistanceTest")
        let model = try kmeans(mode, k: 2, initial: .random, metric: .cosine, seed: 3)
        try model.train(input: mode.input(data.points), steps: 10)
        let centers = try model.clusterCenters().l2NormalizedRows()
        let points = data.points.l2NormalizedRows()
        let transform = try model.transform(input: .wholeArray(data.points))
        for i in 0..<points.rows {
            for j in 0..<centers.rows {
                let cosine = points[i, 0] * centers[j, 0] + points[i, 1] * centers[j, 1]
                #expect(abs(transform[i, j] - (1 - cosine)) <= 1e-3)
            }
        }
    }

    @Test("cosine test_predict", arguments: cosineModes)
    func cosinePredict(mode: Mode) throws {
        let data = try Self.data("KMeansCosineDistanceTest")
        let model = try kmeans(mode, k: 2, initial: .random, metric: .cosine, seed: 3)
        try model.train(input: mode.input(data.points), maxSteps: 10 * 8 / (mode.batchSize ?? 8))
        try checkCosinePrediction(model, data: data)
    }

    @Test("cosine test_predict_kmeans_plus_plus", arguments: cosineModes)
    func cosinePredictKMeansPlusPlus(mode: Mode) throws {
        let data = try Self.data("test_predict_kmeans_plus_plus")
        let model = try kmeans(mode, k: 3, initial: .kmeansPlusPlus, metric: .cosine, seed: 3)
        try model.train(input: .wholeArray(data.points, epochs: nil), steps: 30)
        try checkCosinePrediction(model, data: data)
    }

    func checkCosinePrediction(_ model: KMeansClustering, data: KMeansData) throws {
        let whole = InputFunction.wholeArray(data.points)
        let centers = try model.clusterCenters().l2NormalizedRows()
        let assignments = try model.predictClusterIndex(input: whole).map { Int($0) }
        Self.expectClose(assignments.map { Array(centers.row($0)) }, data.trueAssignments.map { Array(data.trueCenters.row($0)) }, atol: 1e-2, "centres of assigned clusters")
        Self.expectClose(Self.sortedByX(centers), Self.sortedByX(data.trueCenters), atol: 0.04, "sorted centres")
        #expect(abs(try model.score(input: whole) - data.trueScore) <= 1e-2)
    }

    // MARK: KMeansTestQueues (§9.6) and the early contrib k > n tests (§9.9)

    @Test("test_queues: defaults on a zero batch train one step")
    func queues() throws {
        let model = try KMeansClustering(numClusters: 5)
        try model.train(input: .wholeArray(Matrix(rows: 10, columns: 3), epochs: nil), steps: 1)
        #expect(try model.variableValue("global_step") == .int64(1))
    }

    @Test("k greater than the points: a clear error for random (deliberate difference) and k-means++")
    func kGreaterThanPoints() throws {
        let points = Matrix([[2, 3], [1.6, 8.2]])
        for initial in [InitialClusters.random, .kmeansPlusPlus] {
            for epochs in [Int?.none, 1] {
                let model = try KMeansClustering(numClusters: 3, initialClusters: initial, randomSeed: 12)
                guard case .initializationFailed(let message)? = kmeansError({ try model.train(input: .wholeArray(points, epochs: epochs), steps: 1) }) else {
                    Issue.record("k = 3 > 2 points must fail (\(initial.name), epochs \(String(describing: epochs)))"); continue
                }
                #expect(message.contains("3"))
            }
        }
    }
}
