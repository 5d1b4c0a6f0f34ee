import Foundation
import Testing
@testable import KMeansEstimator
import TFFormats

/// The training layer on its own: the batch schedule, resuming through the library, the convergence rule.
@Suite("Training layer")
struct TrainingLayerTests {
    @Test("batch b is a function of b: epochs cut into batches with a smaller last one, seeded per epoch")
    func scheduleIsAFunctionOfTheStep() throws {
        let schedule = try BatchSchedule(rows: 10, batchSize: 4, shuffleSeed: 5)
        #expect(schedule.batchesPerEpoch == 3)
        #expect(schedule.location(ofBatch: 2)?.positions == 8..<10)
        #expect(schedule.location(ofBatch: 4)?.epoch == 1 && schedule.location(ofBatch: 4)?.positions == 4..<8)
        var inTurn = ScheduledBatches(schedule)
        let sequence = (0..<12).map { inTurn.rows(ofBatch: Int64($0))! }
        for index in [11, 0, 7, 3] {
            var fresh = ScheduledBatches(schedule)
            #expect(fresh.rows(ofBatch: Int64(index)) == sequence[index], "batch \(index) drawn alone")
        }
        for epoch in 0..<4 {
            let rows = sequence[(epoch * 3)..<(epoch * 3 + 3)].flatMap { $0 }
            #expect(rows.sorted() == Array(0..<10), "epoch \(epoch) visits every row once")
        }
        #expect(sequence[0..<3].flatMap { $0 } != sequence[3..<6].flatMap { $0 }, "each epoch its own order")
        var sequential = ScheduledBatches(try BatchSchedule(rows: 10, batchSize: 4))
        #expect(sequential.rows(ofBatch: 5) == [8, 9])
        let limited = try BatchSchedule(rows: 10, batchSize: 4, epochs: 2)
        #expect(limited.location(ofBatch: 5) != nil && limited.location(ofBatch: 6) == nil)
        #expect(throws: KMeansError.self) { try BatchSchedule(rows: 10, batchSize: 0) }
    }

    @Test("library: N train(steps: 1) calls on the built-in batches equal one train(steps: N)", arguments: [nil, 3] as [UInt64?])
    func resumingThroughTheLibrary(seed: UInt64?) throws {
        var generator = SplitMix64(seed: 11)
        let points = Matrix(rows: 50, columns: 2, values: (0..<100).map { _ in Float(generator.nextUnit() * 10) })
        func model() throws -> KMeansClustering {
            try KMeansClustering(numClusters: 3, initialClusters: .kmeansPlusPlus, randomSeed: 4, useMiniBatch: true,
                                 miniBatchStepsPerIteration: 3)
        }
        let input = InputFunction.batches(points, batchSize: 15, epochs: nil, shuffleSeed: seed)
        let once = try model()
        try once.train(input: input, steps: 9)
        let stepwise = try model()
        for _ in 0..<9 { try stepwise.train(input: input, steps: 1) }
        #expect(try once.clusterCenters().values.map(\.bitPattern) == stepwise.clusterCenters().values.map(\.bitPattern))
        #expect(try once.variableValue("Variable") == stepwise.variableValue("Variable"))
    }

    @Test("TF's relative-change rule in float32; a previous loss of 0 never stops")
    func convergenceRule() {
        let rule = RelativeLossChange(tolerance: 1e-4)
        #expect(rule.isConverged(loss: 1000, previous: 1000.05))
        #expect(!rule.isConverged(loss: 1000, previous: 1001))
        #expect(!rule.isConverged(loss: 0, previous: 0))
        #expect(!rule.isConverged(loss: 5, previous: nil))
        #expect(RelativeLossChange.change(loss: 3, previous: 1) == 1)
    }
}

/// Event scalars of a model directory whose trainer restarted from an earlier checkpoint.
@Suite("Training layer: event scalars")
struct EventScalarSeriesTests {
    @Test("a restart from an earlier step drops the orphaned points, in one file and across files")
    func restartDropsOrphanedPoints() throws {
        var series = EventScalarSeries(run: ".", tag: "loss", points: [])
        for (step, value) in [(1, 9.0), (2, 8.0), (3, 7.0), (4, 6.0), (3, 6.5), (4, 5.5), (5, 5.0)] {
            series.record(EventScalarPoint(step: Int64(step), value: value))
        }
        #expect(series.points == [(1, 9.0), (2, 8.0), (3, 6.5), (4, 5.5), (5, 5.0)].map { EventScalarPoint(step: Int64($0.0), value: $0.1) })

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-events-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The first trainer wrote steps 1…6 and was killed; the second resumed from the checkpoint at step 3.
        let first = try EventFileWriter(directory: directory, wallTime: 1_000, hostName: "a")
        for step in 1...6 { try first.writeScalars([("loss", Float(100 - step))], step: Int64(step), wallTime: 1_000 + Double(step)) }
        first.close()
        let second = try EventFileWriter(directory: directory, wallTime: 2_000, hostName: "a")
        for step in 4...8 { try second.writeScalars([("loss", Float(50 - step))], step: Int64(step), wallTime: 2_000 + Double(step)) }
        second.close()
        let loss = try #require(try ModelDirReader(path: directory.path).eventScalars().first { $0.tag == "loss" })
        #expect(loss.points.map(\.step) == Array(1...8))
        #expect(loss.points.map(\.value) == [99, 98, 97, 46, 45, 44, 43, 42])
    }
}
