import Testing
@testable import KMeansCore

/// `KMeansAlgorithm.incremental`: points whose bounds hold are not read, sums are float64 updated from the points
/// that changed cluster. Its assignments must equal the Lloyd kernel's at every step; its centres stay within
/// ``IncrementalAlgorithmTests/maximumUlps`` of the TF path's (measured in ulps of the centre's largest coordinate).
@Suite("Incremental algorithm")
struct IncrementalAlgorithmTests {
    /// The documented bound on |incremental − TF path| per centre coordinate, in ulps of the centre's largest |coordinate|.
    static let maximumUlps: Float = 16

    struct Case: CustomTestStringConvertible, Sendable {
        let n: Int, d: Int, k: Int
        let metric: DistanceMetric
        let seed: UInt64
        var testDescription: String { "n \(n) d \(d) k \(k) \(metric.rawValue) seed \(seed)" }
    }

    static let grid: [Case] = [
        (300, 1, 3), (2_000, 2, 8), (5_000, 5, 16), (20_000, 16, 16), (3_000, 33, 40), (1_500, 64, 70),
        // Several partitions with a ragged last block of 16 points; one centre; d = 128 with k not a multiple of 16.
        (40_003, 3, 5), (1_000, 7, 1), (1_200, 128, 33),
        // 17–32 centres: the per-centre tables in two registers on AVX-512.
        (4_000, 16, 24), (2_500, 20, 32),
    ].flatMap { shape in
        DistanceMetric.allCases.flatMap { metric in
            [UInt64(1), 2].map { Case(n: shape.0, d: shape.1, k: shape.2, metric: metric, seed: $0) }
        }
    }

    func params(_ c: Case, _ initial: Matrix, _ algorithm: KMeansAlgorithm) -> KMeansParams {
        KMeansParams(numClusters: c.k, initialClusters: .matrix(initial), distanceMetric: c.metric,
                     useMiniBatch: false, algorithm: algorithm)
    }

    @Test("assignments equal the Lloyd kernel's at every step", arguments: grid)
    func assignmentsEqualLloyd(_ c: Case) throws {
        let points = KernelTestData.blobs(n: c.n, d: c.d, blobs: c.k, seed: c.seed)
        let initial = KernelTestData.distinctRows(of: points, k: c.k, seed: c.seed + 7)
        let model = try ModelFunction(params: params(c, initial, .incremental))
        var engine = AssignmentEngine(algorithm: .incremental, threads: 2)
        var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        for step in 1...8 {
            let pending = try model.beginStep(state, batch: points, engine: &engine)
            let lloyd = DistanceKernels.lloydPass(points: pending.points, centers: pending.assignmentCenters,
                                                  accumulate: true)
            #expect(pending.assignment.indices == lloyd.indices.map { Int($0) }, "step \(step): assignments")
            if c.metric == .squaredEuclidean {
                #expect(pending.assignment.distances == lloyd.distances, "step \(step): distances")
            }
            state = model.finishStep(pending).state
        }
    }

    @Test("centres stay within the stated ulps of the TF path, step by step; the loss is the float64 one", arguments: grid)
    func centersWithinUlps(_ c: Case) throws {
        let points = KernelTestData.blobs(n: c.n, d: c.d, blobs: c.k, seed: c.seed)
        let initial = KernelTestData.distinctRows(of: points, k: c.k, seed: c.seed + 7)
        let tf = try ModelFunction(params: params(c, initial, .lloyd))
        let fast = try ModelFunction(params: params(c, initial, .incremental))
        var tfEngine = AssignmentEngine(algorithm: .lloyd, threads: 2)
        var fastEngine = AssignmentEngine(algorithm: .incremental, threads: 2)
        var state = try tf.initialize(tf.initialState(), batch: points, engine: &tfEngine)
        let prepared = c.metric == .cosine ? points.l2NormalizedRows() : points
        for step in 1...8 {
            // Both start every step from the TF path's centres; the incremental engine keeps its own bounds and sums.
            let expected = try tf.trainStepSummary(state, batch: points, engine: &tfEngine)
            let actual = try fast.trainStepSummary(state, batch: points, engine: &fastEngine)
            let difference = actual.state.clusters.largestUlpDifference(from: expected.state.clusters)
            #expect(difference <= Self.maximumUlps, "step \(step): \(difference) ulps")
            #expect(abs(actual.loss - expected.loss) <= 1e-4 * max(1, abs(expected.loss)), "step \(step): loss")
            // The loss of the same assignment in float64 (halved for cosine, as TF's is): incremental's per-cluster
            // float64 loss to 1e-6, TF's float32 sum to 1e-4.
            let exact = Self.exactLoss(prepared, centers: tf.inferenceCenters(state)) * (c.metric == .cosine ? 0.5 : 1)
            let scale = max(1, exact)
            #expect(abs(Double(actual.loss) - exact) <= 1e-6 * scale, "step \(step): \(actual.loss) vs exact \(exact)")
            #expect(abs(Double(expected.loss) - exact) <= 1e-4 * scale, "step \(step): TF \(expected.loss) vs exact \(exact)")
            state = expected.state
        }
    }

    /// Σ‖x − c_a‖² in float64, a = the Lloyd kernel's nearest centre of each row.
    static func exactLoss(_ points: Matrix, centers: Matrix) -> Double {
        let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false)
        var total = 0.0
        for i in 0..<points.rows {
            let a = Int(lloyd.indices[i])
            for t in 0..<points.columns {
                let diff = Double(points[i, t]) - Double(centers[a, t])
                total += diff * diff
            }
        }
        return total
    }

    @Test("ties and duplicates: assignments equal the Lloyd kernel's at every step", arguments: [UInt64(3), 4])
    func ties(seed: UInt64) throws {
        // Integer points on a small grid, many duplicates, centres on grid points: exact distance ties everywhere.
        var random = KernelTestRandom(seed: seed)
        let n = 4_000, d = 2
        let points = Matrix(rows: n, columns: d, values: (0..<(n * d)).map { _ in Float(random.below(7)) })
        let initial = Matrix([[0, 0], [2, 0], [0, 2], [2, 2], [4, 4], [6, 6]])
        var engine = AssignmentEngine(algorithm: .incremental, threads: 2)
        var centers = initial
        for step in 1...8 {
            let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true)
            let fast = engine.pass(points: points, centers: centers, accumulate: true)
            #expect(fast.indices == lloyd.indices, "step \(step): assignments")
            #expect(fast.distances == lloyd.distances, "step \(step): distances")
            #expect(fast.counts == lloyd.counts, "step \(step): counts")
            // Move the centres a little towards their means so bounds carry over between passes.
            var values = centers.values
            for j in 0..<centers.rows where fast.counts[j] > 0 {
                for t in 0..<d { values[j * d + t] = fast.sums[j * d + t] / fast.counts[j] }
            }
            centers = Matrix(rows: centers.rows, columns: d, values: values)
        }
    }

    @Test("every kernel variant, centre tables in one, two or no registers, ties: assignments and counts equal Lloyd's",
          arguments: [KernelInstructionSet.portable, .avx2, .avx512])
    func variants(isa: KernelInstructionSet) {
        var random = KernelTestRandom(seed: 9)
        let grid = Matrix(rows: 3_001, columns: 16, values: (0..<(3_001 * 16)).map { _ in Float(random.below(5)) })
        let cases: [(Matrix, Int)] = [(KernelTestData.blobs(n: 6_007, d: 16, blobs: 16, seed: 31), 16),
                                      (KernelTestData.blobs(n: 4_003, d: 5, blobs: 12, seed: 32), 24),
                                      (KernelTestData.blobs(n: 2_001, d: 40, blobs: 20, seed: 33), 40), (grid, 20)]
        for (index, (points, k)) in cases.enumerated() {
            var centers = KernelTestData.distinctRows(of: points, k: k, seed: 5)
            var state = IncrementalState()
            var readFewer = false
            for step in 0..<8 {
                let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                                      instructionSet: isa)
                let fast = state.pass(points: points, centers: centers, threads: 2, instructionSet: isa)
                #expect(state.indices == lloyd.indices, "\(isa) case \(index) step \(step): assignments")
                #expect(fast.counts == lloyd.counts, "\(isa) case \(index) step \(step): counts")
                guard state.indices == lloyd.indices else { return }
                if state.lastPointsReadCount < points.rows { readFewer = true }
                // Half way to the means, so the bounds carry over and the grid's ties stay.
                var values = centers.values
                for j in 0..<k where lloyd.counts[j] > 0 {
                    for t in 0..<points.columns {
                        values[j * points.columns + t] = (values[j * points.columns + t]
                            + lloyd.sums[j * points.columns + t] / lloyd.counts[j]) / 2
                    }
                }
                centers = Matrix(rows: k, columns: points.columns, values: values)
            }
            #expect(readFewer, "\(isa) case \(index): every pass read every row")
        }
    }

    @Test("settled points are not read: well-separated blobs read few rows once the centres settle")
    func skipsSettledPoints() throws {
        let points = KernelTestData.blobs(n: 20_000, d: 4, blobs: 8, seed: 11)
        let initial = KernelTestData.distinctRows(of: points, k: 8, seed: 3)
        let model = try ModelFunction(params: KMeansParams(numClusters: 8, initialClusters: .matrix(initial),
                                                           useMiniBatch: false, algorithm: .incremental))
        var engine = AssignmentEngine(algorithm: .incremental, threads: 2)
        var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        var reads: [Int] = []
        for _ in 0..<15 {
            state = try model.trainStepSummary(state, batch: points, engine: &engine).state
            reads.append(engine.lastPointsReadCount)
        }
        #expect(reads[0] == 20_000, "the first pass reads every row")
        #expect(reads.last! < 20_000 / 4, "rows read in the last pass: \(reads)")
    }

    @Test("largestUlpDifference measures in ulps of each row's largest value")
    func ulpDifference() {
        let a = Matrix([[1, 0.5], [1024, 3]])
        let b = Matrix([[Float(1).nextUp.nextUp, 0.5], [1024, 3 + Float(1024).ulp * 3]])
        #expect(a.largestUlpDifference(from: b) == 3)
        #expect(a.largestUlpDifference(from: a) == 0)
    }

    @Test("mini-batch training rejects it")
    func miniBatchRejected() {
        #expect(throws: KMeansError.self) {
            try KMeansParams(numClusters: 3, useMiniBatch: true, algorithm: .incremental).validate()
        }
        #expect(KMeansAlgorithm(rawValue: "incremental") == .incremental)
        #expect(KMeansAlgorithm.auto.resolved(points: 100_000, dimensions: 2, centers: 8) != .incremental)
    }
}
