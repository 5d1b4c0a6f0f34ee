import Foundation
import KMeansCore
import KMeansEstimator
import Synchronization
import Testing
import WorkbenchCore

/// The checkpoint view's catalog of a followed model_dir (issue 15): each checkpoint read once, only new ones read
/// as the directory grows, retention's deletions dropped, a failed read tried again at the next look.
@Suite("Checkpoint catalog of a growing model_dir")
struct CheckpointCatalogTests {
    /// The checkpoints an injected reader was asked for, in order.
    final class ReadLog: Sendable {
        let names = Mutex<[String]>([])
        var all: [String] { names.withLock { $0 } }
    }

    static func state(_ step: Int64) -> KMeansState {
        KMeansState(clusters: Matrix([[Float(step), 0], [0, Float(step)]]), initialized: true, clusterCounts: nil,
                    clustersUpdated: nil, updateInSteps: nil, globalStep: step)
    }

    static func recorder(_ scratch: Scratch) throws -> ModelDirRecorder {
        let params = StoredParameters(numClusters: 2, useMiniBatch: false, numFeatures: 2)
        return try ModelDirRecorder(modelDir: scratch.path("m"), parameters: params, keepCheckpointMax: 3)
    }

    @Test func aDirectoryGrowingByOneCheckpointReadsOnlyThatOne() throws {
        let scratch = try Scratch()
        let recorder = try Self.recorder(scratch)
        for step in 1...3 as ClosedRange<Int64> { _ = try recorder.save(Self.state(step)) }
        let log = ReadLog()
        var catalog = CheckpointCatalog(modelDir: scratch.path("m"), dataColumns: 2) { reader, info, params in
            log.names.withLock { $0.append(info.name) }
            return try CheckpointCatalog.readContents(reader, info, params)
        }
        #expect(catalog.refresh().entries.map(\.step) == [1, 2, 3])
        #expect(log.all == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"])
        _ = try recorder.save(Self.state(4))
        let grown = catalog.refresh()
        #expect(grown.entries.map(\.step) == [2, 3, 4], "model.ckpt-1, deleted by retention, drops out")
        #expect(log.all == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3", "model.ckpt-4"])
        #expect(catalog.refresh().entries == grown.entries)
        #expect(catalog.reads == 4 && log.all.count == 4, "an unchanged directory is not read again")
        let variables = try #require(grown.entries.last?.variables)
        #expect(variables.contains(CheckpointVariable(name: "global_step", type: "int64", shape: [], value: "4")), "\(variables)")
        #expect(variables.contains { $0.name == "clusters" && $0.shape == [2, 2] && $0.value == nil })
    }

    @Test func aFailedReadIsTriedAgainAtTheNextLookThenLeftOut() throws {
        let scratch = try Scratch()
        let recorder = try Self.recorder(scratch)
        for step in 1...2 as ClosedRange<Int64> { _ = try recorder.save(Self.state(step)) }
        let failuresLeft = Mutex(1)
        var catalog = CheckpointCatalog(modelDir: scratch.path("m"), dataColumns: 2) { reader, info, params in
            if info.step == 2, failuresLeft.withLock({ left in defer { left -= 1 }; return left > 0 }) {
                throw ModelDirError("\(info.name) is being replaced")
            }
            return try CheckpointCatalog.readContents(reader, info, params)
        }
        #expect(catalog.refresh().entries.map(\.step) == [1])
        #expect(catalog.needsRetry)
        #expect(catalog.refresh().entries.map(\.step) == [1, 2])
        #expect(!catalog.needsRetry && catalog.reads == 3)

        var broken = CheckpointCatalog(modelDir: scratch.path("m"), dataColumns: 2) { _, info, _ in throw ModelDirError("\(info.name) is damaged") }
        var looks = 0
        repeat { _ = broken.refresh(); looks += 1 } while broken.needsRetry && looks < 10
        #expect(looks == 3, "a checkpoint that stays unreadable is left out after three reads")
        let after = broken.refresh()
        #expect(broken.reads == 6 && after.entries.isEmpty)
        #expect(after.origin == "m: model.ckpt-1: model.ckpt-1 is damaged", "the reason stays on screen")
    }
}
