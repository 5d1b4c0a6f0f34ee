import Foundation
import Testing
@testable import TFFormats

@Suite("ModelDirectory: atomic saves, retention, crash safety, locking")
struct ModelDirectoryTests {
    static func tensors(step: Int64) -> [String: Tensor] {
        ["clusters": .float([Float(step), 1, 2, 3], shape: [2, 2]), "global_step": .int64(step), "initialized": .bool(true)]
    }

    @Test func savesListLoadsAndRetains() throws {
        let url = try TestFiles.temporaryDirectory().appendingPathComponent("model")
        let directory = ModelDirectory(url: url)
        for step in [0, 1, 3, 5, 8, 13, 21] as [Int64] {
            try directory.saveCheckpoint(Self.tensors(step: step), step: step, keepCheckpointMax: 3)
        }
        #expect(try directory.checkpoints().map(\.step) == [8, 13, 21])
        let latest = try #require(try directory.latestCheckpoint())
        #expect(latest.step == 21 && latest.name == "model.ckpt-21")
        #expect(try directory.load(latest) == Self.tensors(step: 21))
        let files = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        #expect(files == ["checkpoint", "model.ckpt-13.data-00000-of-00001", "model.ckpt-13.index", "model.ckpt-21.data-00000-of-00001",
                          "model.ckpt-21.index", "model.ckpt-8.data-00000-of-00001", "model.ckpt-8.index"])
        let state = try String(contentsOf: directory.stateFileURL, encoding: .utf8)
        #expect(state == "model_checkpoint_path: \"model.ckpt-21\"\nall_model_checkpoint_paths: \"model.ckpt-8\"\nall_model_checkpoint_paths: \"model.ckpt-13\"\nall_model_checkpoint_paths: \"model.ckpt-21\"\n")
    }

    @Test func resavingAStepMovesItToTheEndAndZeroKeepsAll() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        for step in [1, 2, 3, 2] as [Int64] { try directory.saveCheckpoint(Self.tensors(step: step), step: step, keepCheckpointMax: 0) }
        #expect(try directory.checkpoints().map(\.step) == [1, 3, 2])
        #expect(try directory.latestCheckpoint()?.step == 2)
    }

    @Test func writtenDirectoryReadsBackBitExactly() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        let tensors = BundleRobustnessTests.allTypesTensors()
        let reference = try directory.saveCheckpoint(tensors, step: 77)
        let encoded = try TensorBundleEncoder.encode(tensors)
        #expect(try TestFiles.bytes(TensorBundleFiles.indexURL(prefix: reference.prefix)) == encoded.index)
        #expect(try TestFiles.bytes(TensorBundleFiles.dataURL(prefix: reference.prefix)) == encoded.data)
        let (latest, back) = try #require(try directory.loadLatest())
        #expect(latest == reference)
        #expect(try TensorBundleEncoder.encode(back) == encoded)
    }

    @Test func crashMidSaveLeavesThePreviousCheckpointReadable() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        try directory.saveCheckpoint(Self.tensors(step: 4), step: 4)
        // Simulate crashes at each stage of saving step 5: a partial temp data file; then the data renamed but the
        // index still a temp file; then both bundle files complete but the state file not yet updated.
        let next = directory.prefix(forStep: 5)
        let encoded = try TensorBundleEncoder.encode(Self.tensors(step: 5))
        try TestFiles.write(Array(encoded.data.prefix(7)), to: FileIO.temporaryURL(for: TensorBundleFiles.dataURL(prefix: next)))
        #expect(try directory.loadLatest()?.tensors == Self.tensors(step: 4))
        try TestFiles.write(encoded.data, to: TensorBundleFiles.dataURL(prefix: next))
        try TestFiles.write(Array(encoded.index.prefix(50)), to: FileIO.temporaryURL(for: TensorBundleFiles.indexURL(prefix: next)))
        #expect(try directory.loadLatest()?.tensors == Self.tensors(step: 4))
        try TestFiles.write(encoded.index, to: TensorBundleFiles.indexURL(prefix: next))
        try TestFiles.write(Array("model_checkpoint_path: \"model.ckpt-5\"\nall_mo".utf8), to: FileIO.temporaryURL(for: directory.stateFileURL))
        #expect(try directory.loadLatest()?.checkpoint.step == 4)

        // The next trainer cleans the leftovers and saves normally.
        let lock = try directory.acquireTrainerLock()
        try directory.removeStaleTemporaryFiles()
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.contains(".tmp-") }.isEmpty)
        try directory.saveCheckpoint(Self.tensors(step: 6), step: 6)
        lock.release()
        #expect(try directory.checkpoints().map(\.step) == [4, 6])
    }

    @Test func aDamagedStateFileDoesNotBlockSaving() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        try TestFiles.write(Array("garbage {{{".utf8), to: directory.stateFileURL)
        #expect(throws: TFFormatError.self) { try directory.latestCheckpoint() }
        try directory.saveCheckpoint(Self.tensors(step: 2), step: 2)
        #expect(try directory.latestCheckpoint()?.step == 2)
    }

    @Test func secondTrainerGetsAClearLockError() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory().appendingPathComponent("locked"))
        let first = try directory.acquireTrainerLock()
        let error = try #require(throws: TFFormatError.self) { try directory.acquireTrainerLock() }
        guard case .directoryLocked(let path, let detail) = error else { Issue.record("got \(error)"); return }
        #expect(path == directory.url.path)
        #expect(detail.contains("pid \(getpid())"))
        first.release()
        let second = try directory.acquireTrainerLock()
        second.release()
    }

    @Test func checkpointStepsParseFromNames() {
        #expect(CheckpointReference(prefix: URL(fileURLWithPath: "/a/model.ckpt-42")).step == 42)
        #expect(CheckpointReference(prefix: URL(fileURLWithPath: "/a/ckpt")).step == nil)
        #expect(CheckpointReference(prefix: URL(fileURLWithPath: "/a/model.ckpt-x1")).step == nil)
    }

    @Test func fixtureDirectoriesListTheirCheckpoints() throws {
        let full = ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch"))
        #expect(try full.checkpoints().map(\.step) == [0, 1, 3, 5])
        let m3 = ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_minibatch_m3"))
        let tensors = try #require(try m3.loadLatest()).tensors
        #expect(tensors.keys.sorted() == ["Variable", "clusters", "clusters_updated", "global_step", "initialized", "update_in_steps"])
        #expect(tensors["update_in_steps"] == .int64(2))
    }

    @Test func summaryRunsListTrainingAndEvalEventFiles() throws {
        let full = ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch"))
        let runs = try full.summaryRuns()
        #expect(runs.map(\.run) == [".", "eval"])
        #expect(runs.map { $0.eventFiles.map(\.lastPathComponent) } == [["events.out.tfevents.1795823922.vm"], ["events.out.tfevents.1795823923.vm"]])
        #expect(try ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("saver_v1")).summaryRuns().isEmpty)
    }
}
