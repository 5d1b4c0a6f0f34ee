import Testing
@testable import KMeansCore

/// `ModelFunction.streamedTrainStep`: rows loaded chunk by chunk give the in-memory Lloyd step's centres and loss,
/// bit for bit, above and below the partition threshold, for both metrics and chunk sizes that cut partitions.
@Suite("Streamed full-batch step")
struct StreamedFullBatchStepTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let n: Int, d: Int, k: Int, chunkRows: Int
        let metric: DistanceMetric
        var testDescription: String { "n \(n) d \(d) k \(k) chunk \(chunkRows) \(metric.rawValue)" }
    }

    static let grid: [Case] = [
        (40_000, 3, 7, 777), (20_000, 9, 5, 4_096), (1_000, 2, 4, 123), (33_000, 2, 3, 1_000_000),
    ].flatMap { shape in
        DistanceMetric.allCases.map { Case(n: shape.0, d: shape.1, k: shape.2, chunkRows: shape.3, metric: $0) }
    }

    @Test("centres and loss equal the in-memory Lloyd step's bits, step by step", arguments: grid)
    func equalsInMemoryStep(_ c: Case) throws {
        #expect(c.n < DistanceKernels.minimumPointsToSplit || DistanceKernels.partitions(of: c.n).count > 1)
        let points = KernelTestData.blobs(n: c.n, d: c.d, blobs: c.k, seed: 3)
        let initial = KernelTestData.distinctRows(of: points, k: c.k, seed: 11)
        let model = try ModelFunction(params: KMeansParams(
            numClusters: c.k, initialClusters: .matrix(initial), distanceMetric: c.metric, useMiniBatch: false,
            algorithm: .lloyd))
        var engine = AssignmentEngine(algorithm: .lloyd, threads: 2)
        var memory = try model.initialize(model.initialState(), batch: points, engine: &engine)
        var streamed = memory
        let values = points.values, d = c.d
        let loader: StreamedRowLoader = { range, buffer in
            for i in 0..<buffer.count { buffer[i] = values[range.lowerBound * d + i] }
        }
        for step in 1...4 {
            let inMemory = try model.trainStepSummary(memory, batch: points, engine: &engine)
            let outOfCore = try model.streamedTrainStep(streamed, rows: c.n, columns: c.d, chunkRows: c.chunkRows,
                                                        threads: 2, load: loader)
            #expect(outOfCore.loss.bitPattern == inMemory.loss.bitPattern, "step \(step): loss")
            #expect(outOfCore.state.clusters.values.map(\.bitPattern) == inMemory.state.clusters.values.map(\.bitPattern),
                    "step \(step): centres")
            #expect(outOfCore.state.globalStep == inMemory.state.globalStep)
            memory = inMemory.state
            streamed = outOfCore.state
        }
    }

    @Test("a non-finite value is reported with its row in the whole data, and a loader's error passes through")
    func errorsNameTheRow() throws {
        let points = KernelTestData.blobs(n: 20_000, d: 2, blobs: 3, seed: 5)
        let initial = KernelTestData.distinctRows(of: points, k: 3, seed: 1)
        let model = try ModelFunction(params: KMeansParams(numClusters: 3, initialClusters: .matrix(initial),
                                                           useMiniBatch: false))
        var engine = AssignmentEngine(algorithm: .lloyd)
        let state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        let bad: StreamedRowLoader = { range, buffer in
            for i in 0..<buffer.count { buffer[i] = range.lowerBound * 2 + i == 2 * 12_345 + 1 ? .nan : 1 }
        }
        #expect(throws: KMeansError.invalidInput("batch row 12345, column 1 is nan, not a finite number")) {
            try model.streamedTrainStep(state, rows: 20_000, columns: 2, chunkRows: 1_000, load: bad)
        }
        struct Unreadable: Error, Equatable {}
        #expect(throws: Unreadable()) {
            try model.streamedTrainStep(state, rows: 20_000, columns: 2, chunkRows: 1_000) { _, _ in throw Unreadable() }
        }
    }
}
