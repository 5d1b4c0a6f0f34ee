import KMeansCore
import KMeansEstimator
import Testing

@Suite struct SweepEngineTests {
    static func blobs() -> Matrix {
        var generator = SplitMix64(seed: 5)
        var values: [Float] = []
        for i in 0..<240 {
            let center: [Float] = [[0, 0], [8, 1], [3, 9]][i % 3]
            values += center.map { $0 + Float(generator.nextUnit() * 2) }
        }
        return Matrix(rows: 240, columns: 2, values: values)
    }

    @Test func restartRUsesSeedBasePlusRAndEachRowKeepsTheLowestScore() throws {
        let points = Self.blobs()
        let params = KMeansParams(numClusters: 1, initialClusters: .random, useMiniBatch: false, relativeTolerance: KSweep.defaultTolerance)
        let sweep = try KSweep(ks: 1...4, restarts: 3, baseSeed: 10, params: params)
        let result = try sweep.run(points: points)
        #expect(!result.cancelled && result.rows.map(\.k) == [1, 2, 3, 4])
        for row in result.rows {
            #expect(row.restartScores.count == 3 && row.score == row.restartScores.min())
            #expect(row.seed == 10 + Int64(row.restartScores.firstIndex(of: row.score)!))
            // The restart trained on its own, as `kmeans train` would: same score.
            let alone = try KMeansClustering(params: sweep.params(k: row.k, restart: Int(row.seed - 10)))
            try alone.train(input: .wholeArray(points, epochs: nil), steps: KSweep.defaultStepCap)
            #expect(try alone.evaluate(input: .wholeArray(points, epochs: 1), steps: 1).score == row.score)
        }
        #expect(result.rows[0].silhouette == nil)
        #expect((result.rows[2].silhouette?.score ?? 0) > 0.6)
        #expect(result.rows[2].silhouette?.isSampled == false)
    }

    @Test func truthGivesTheAdjustedRandIndexPerRow() throws {
        let points = Self.blobs()
        var sweep = try KSweep(ks: 2...3, restarts: 2, params: KMeansParams(numClusters: 1, initialClusters: .kmeansPlusPlus, useMiniBatch: false))
        sweep.truth = (0..<points.rows).map { $0 % 3 }
        let rows = try sweep.run(points: points).rows
        #expect(rows[1].adjustedRandIndex == 1)
        #expect((rows[0].adjustedRandIndex ?? 1) < 1)
    }

    @Test func cancellationStopsAtTheNextStepAndKeepsFinishedRows() throws {
        let points = Self.blobs()
        let sweep = try KSweep(ks: 1...6, restarts: 2, params: KMeansParams(numClusters: 1, useMiniBatch: false))
        let flag = SweepCancellation()
        var progressAfterCancel = 0
        let result = try sweep.run(points: points, cancellation: flag, progress: { progress in
            if flag.isCancelled { progressAfterCancel += 1 }
            if progress.k == 3 { flag.cancel() }
        })
        #expect(result.cancelled && result.rows.map(\.k) == [1, 2])
        #expect(progressAfterCancel <= 1)
    }

    @Test func aCancelledSweepStopsInsideKMeansPlusPlusBeforeAnyStep() throws {
        let points = Self.blobs()
        let sweep = try KSweep(ks: 5...6, restarts: 2, params: KMeansParams(numClusters: 1, initialClusters: .kmeansPlusPlus, useMiniBatch: false))
        let flag = SweepCancellation()
        flag.cancel()
        var steps = 0
        let result = try sweep.run(points: points, cancellation: flag, progress: { _ in steps += 1 })
        // The initialisation is interrupted, so not even the first step (which would report progress) runs.
        #expect(result.cancelled && result.rows.isEmpty)
        #expect(steps == 0)
    }

    @Test func anInterruptedTrainingThrowsCancelledAndAnUninterruptedOneMatches() throws {
        final class Interrupting: SessionRunHook {
            let fire: Bool
            init(fire: Bool) { self.fire = fire }
            func begin(_ context: RunContext) throws { let fire = fire; context.interrupt { fire } }
        }
        let points = Self.blobs()
        let params = KMeansParams(numClusters: 4, initialClusters: .kmeansPlusPlus, useMiniBatch: false)
        let interrupted = try KMeansClustering(params: params)
        #expect(throws: KMeansError.cancelled) { try interrupted.train(input: .wholeArray(points, epochs: nil), hooks: [Interrupting(fire: true)], steps: 3) }
        let checked = try KMeansClustering(params: params), plain = try KMeansClustering(params: params)
        try checked.train(input: .wholeArray(points, epochs: nil), hooks: [Interrupting(fire: false)], steps: 3)
        try plain.train(input: .wholeArray(points, epochs: nil), steps: 3)
        #expect(try checked.clusterCenters() == plain.clusterCenters())
    }

    @Test func badSweepsAreRefused() throws {
        let params = KMeansParams(numClusters: 1)
        #expect(throws: KMeansError.self) { try KSweep(ks: 0...3, restarts: 1, params: params) }
        #expect(throws: KMeansError.self) { try KSweep(ks: 1...3, restarts: 0, params: params) }
        #expect(throws: KMeansError.self) { try KSweep(ks: 1...3, restarts: 1, params: KMeansParams(numClusters: 1, initialClusters: .matrix(Matrix([[0]])))) }
        #expect(throws: KMeansError.self) { try KSweep(ks: 1...5, restarts: 1, params: params).run(points: Matrix([[0], [1]])) }
    }
}
