import Testing
@testable import KMeansCore

/// Invariants over small grids of k, metric, initialization and mode (seeded synthetic data).
@Suite("Invariants over small grids")
struct InvariantTests {
    /// `n` points in `d` dimensions from a few blobs, deterministic (SplitMix64).
    static func blobs(n: Int, d: Int, seed: UInt64) -> Matrix {
        var state = seed
        func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
        }
        let centers = (0..<4).map { _ in (0..<d).map { _ in next() * 100 - 50 } }
        var values: [Float] = []
        for i in 0..<n {
            let center = centers[i % centers.count]
            for t in 0..<d { values.append(center[t] + (next() - 0.5) * 30) }
        }
        return Matrix(rows: n, columns: d, values: values)
    }

    struct Case: CustomStringConvertible, Sendable {
        var k: Int
        var metric: DistanceMetric
        var initName: String
        var description: String { "k=\(k) \(metric.rawValue) \(initName)" }
    }

    static let cases: [Case] = [1, 2, 3, 5].flatMap { k in
        DistanceMetric.allCases.flatMap { metric in ["random", "kmeans_plus_plus", "matrix"].map { Case(k: k, metric: metric, initName: $0) } }
    }

    func initialClusters(_ name: String, k: Int, points: Matrix) throws -> InitialClusters {
        name == "matrix" ? .matrix(points.gathering(rows: (0..<k).map { $0 * 7 })) : try InitialClusters(tfName: name)
    }

    @Test("full batch: every point assigned, loss never increases, centre = mean of its points, cosine unit-norm", arguments: cases)
    func fullBatch(_ c: Case) throws {
        let points = Self.blobs(n: 40, d: 3, seed: UInt64(c.k))
        let model = try ModelFunction(params: KMeansParams(
            numClusters: c.k, initialClusters: try initialClusters(c.initName, k: c.k, points: points),
            distanceMetric: c.metric, randomSeed: 5, useMiniBatch: false))
        var state = try model.initialize(model.initialState(), batch: points)
        #expect(state.initialized && state.clusters.rows == c.k)
        var previousLoss = Float.infinity
        for _ in 0..<8 {
            let result = try model.trainStep(state, batch: points)
            let assignment = result.assignment
            #expect(assignment.indices.count == points.rows)
            #expect(assignment.indices.allSatisfy { (0..<c.k).contains($0) })
            #expect(assignment.distances.allSatisfy { $0.isFinite && $0 >= -1e-3 })
            // Lloyd's step never increases the loss (float slack: 1e-5 relative).
            #expect(result.loss <= previousLoss * (1 + 1e-5) + 1e-6, "loss \(result.loss) after \(previousLoss)")
            previousLoss = result.loss
            // Each centre is the (normalised, for cosine) mean of the points assigned to it, with TF's 1e-6.
            let used = c.metric == .cosine ? points.l2NormalizedRows() : points
            for j in 0..<c.k {
                let members = assignment.indices.indices.filter { assignment.indices[$0] == j }
                var mean = [Double](repeating: 0, count: 3)
                for i in members { for t in 0..<3 { mean[t] += Double(used[i, t]) } }
                let scale = 1 / (Double(members.count) + 1e-6)
                var expected = mean.map { $0 * scale }
                if c.metric == .cosine {
                    let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > 0 { expected = expected.map { $0 / norm } }
                }
                for t in 0..<3 {
                    let actual = Double(result.state.clusters[j, t])
                    #expect(abs(actual - expected[t]) <= 1e-4 * max(1, abs(expected[t])), "centre \(j) of \(members.count) points")
                }
                if c.metric == .cosine && !members.isEmpty {
                    let norm = result.state.clusters.row(j).reduce(0) { $0 + $1 * $1 }.squareRoot()
                    #expect(abs(norm - 1) < 1e-5)
                }
            }
            state = result.state
        }
        // The final loss equals the score of the final centres' assignment's predecessor: nearest() agrees.
        let final = try model.nearest(points, state: state)
        #expect(final.loss <= previousLoss * (1 + 1e-5) + 1e-6)
    }

    @Test("mini-batch: every point assigned, counts add up, cosine copies unit-norm where TF keeps them so",
          arguments: cases, [1, 3])
    func miniBatch(_ c: Case, stepsPerIteration m: Int) throws {
        let points = Self.blobs(n: 60, d: 3, seed: UInt64(10 + c.k))
        let model = try ModelFunction(params: KMeansParams(
            numClusters: c.k, initialClusters: try initialClusters(c.initName, k: c.k, points: points),
            distanceMetric: c.metric, randomSeed: 9, useMiniBatch: true, miniBatchStepsPerIteration: m))
        var state = try model.initialize(model.initialState(), batch: points)
        var assignedSinceSync = 0
        for t in 0..<7 {
            let batch = points.rows((t * 15 % 60)..<(t * 15 % 60 + 15))
            let pending = try model.beginStep(state, batch: batch)
            if m > 1, pending.state.clusterCounts == [Int64](repeating: 0, count: c.k), t > 0, (t % m) == 0 { assignedSinceSync = 0 }
            let result = model.finishStep(pending)
            #expect(result.assignment.indices.count == batch.rows)
            #expect(result.assignment.indices.allSatisfy { (0..<c.k).contains($0) })
            assignedSinceSync += batch.rows
            let counts = try #require(result.state.clusterCounts)
            if m <= 1 {
                #expect(counts.reduce(0, +) == Int64(c.k + (t + 1) * batch.rows), "counts start at 1 and never reset")
            } else {
                #expect(counts.reduce(0, +) == Int64(assignedSinceSync), "counts restart at each sync")
                if c.metric == .cosine, t >= m {
                    for j in 0..<c.k {
                        let norm = result.state.clusters.row(j).reduce(0) { $0 + $1 * $1 }.squareRoot()
                        #expect(abs(norm - 1) < 1e-5, "synced cosine clusters are unit-norm")
                    }
                }
            }
            #expect(result.state.clusters.values.allSatisfy { $0.isFinite })
            state = result.state
        }
    }
}
