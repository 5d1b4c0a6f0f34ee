import Testing
@testable import KMeansEstimator

/// `InputFunction.streamed`: full-batch training over rows loaded chunk by chunk, through the estimator's one train
/// loop, equal to the in-memory run.
@Suite("Streamed full-batch input")
struct StreamedInputTests {
    static func points(rows: Int = 3_000, columns: Int = 5) -> Matrix {
        var generator = SplitMix64(seed: 21)
        let values = (0..<(rows * columns)).map { i in Float((i / columns) % 4) * 4 + Float(generator.nextUnit()) }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    static func streamed(_ points: Matrix, chunkRows: Int) -> InputFunction {
        let values = points.values, columns = points.columns
        return .streamed(StreamedRows(rows: points.rows, columns: columns, chunkRows: chunkRows) { range, buffer in
            for i in 0..<buffer.count { buffer[i] = values[range.lowerBound * columns + i] }
        })
    }

    func train(_ input: InputFunction, initial: InitialClusters, metric: DistanceMetric) throws -> (KMeansState, [Float]) {
        let kmeans = try KMeansClustering(numClusters: 6, initialClusters: initial, distanceMetric: metric,
                                          randomSeed: 3, useMiniBatch: false)
        let recorder = LossRecorder()
        try kmeans.train(input: input, hooks: [recorder], steps: 3)
        try kmeans.train(input: input, hooks: [recorder], steps: 2)
        return (try #require(try kmeans.restoreState(checkpointPath: nil)), recorder.losses)
    }

    @Test("random and explicit initialisation, both metrics: the same state and losses as the whole array",
          arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func sameAsInMemory(metric: DistanceMetric) throws {
        let points = Self.points()
        for initial in [InitialClusters.random, .matrix(points.gathering(rows: [0, 1, 2, 3, 700, 1500]))] {
            let memory = try train(.wholeArray(points, epochs: nil), initial: initial, metric: metric)
            let streamed = try train(Self.streamed(points, chunkRows: 97), initial: initial, metric: metric)
            #expect(memory.0 == streamed.0, "\(initial) \(metric)")
            #expect(memory.1 == streamed.1 && memory.1.count == 5)
        }
    }

    @Test("mini-batch and k-means++ are refused; evaluation reads the rows in chunks")
    func refusedAndEvaluated() throws {
        let points = Self.points(rows: 200)
        let input = Self.streamed(points, chunkRows: 64)
        let miniBatch = try KMeansClustering(numClusters: 3, initialClusters: .random, useMiniBatch: true)
        #expect(throws: KMeansError.self) { try miniBatch.train(input: input, steps: 1) }
        let plusPlus = try KMeansClustering(numClusters: 3, initialClusters: .kmeansPlusPlus, useMiniBatch: false)
        #expect(throws: KMeansError.self) { try plusPlus.train(input: input, steps: 1) }
        let random = try KMeansClustering(numClusters: 3, initialClusters: .random, useMiniBatch: false)
        try random.train(input: input, steps: 2)
        let chunks = stride(from: 0, to: points.rows, by: 64).map { points.rows($0..<min(points.rows, $0 + 64)) }
        #expect(try random.score(input: input) == random.score(input: .sequence(chunks)))
    }
}
