import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

    @Test func theLenientListingSetsAsideAPathOutsideTheDirectoryWhereTheStrictOneThrows() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        for step in [3, 7] as [Int64] { try directory.saveCheckpoint(Self.tensors(step: step), step: step) }
        let state = CheckpointState(modelCheckpointPath: "model.ckpt-7",
                                    allModelCheckpointPaths: ["model.ckpt-3", "../elsewhere/model.ckpt-1", "model.ckpt-9", "model.ckpt-7"])
        try TestFiles.write(Array(state.serialized.utf8), to: directory.stateFileURL)
        let listing = try directory.checkpointListing()
        #expect(listing.checkpoints.map(\.step) == [3, 7], "model.ckpt-9 has no index and is left out")
        #expect(listing.latest?.step == 7)
        #expect(listing.problems == [.pathEscapesDirectory(path: directory.stateFileURL.path, checkpointPath: "../elsewhere/model.ckpt-1")])
        #expect(throws: TFFormatError.pathEscapesDirectory(path: directory.stateFileURL.path, checkpointPath: "../elsewhere/model.ckpt-1")) {
            try directory.checkpoints()
        }
        #expect(try ModelDirectory(url: directory.url.appendingPathComponent("none")).checkpointListing() == CheckpointListing())
    }

    /// A fresh directory holding checkpoints `steps` (saved keeping `keep`), and its listing taken while `writer`
    /// runs before each index check.
    private func listing(saving steps: ClosedRange<Int64>, keep: Int, writer: @escaping (ModelDirectory, CheckpointReference) -> Void)
        throws -> (ModelDirectory, CheckpointListing) {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        for step in steps { try directory.saveCheckpoint(Self.tensors(step: step), step: step, keepCheckpointMax: keep) }
        return (directory, try directory.checkpointListing { writer(directory, $0) })
    }

    private func indexExists(_ directory: ModelDirectory, step: Int64) -> Bool {
        FileIO.fileExists(TensorBundleFiles.indexURL(prefix: directory.prefix(forStep: step)))
    }

    @Test("a trainer killed between its state file and its deletions, restarted while a listing is taken: the listing is the new state file's")
    func listingBesideARestartedTrainer() throws {
        // Listed [1, 2, 3]; while 3's index is looked for, a trainer saves 4 and is killed before deleting 1 (its
        // state file lists [2, 3, 4]); the next trainer saves 5, listing [3, 4, 5], and deletes 2. 1 stays on disk.
        let (directory, listing) = try listing(saving: 1...3, keep: 3) { directory, checkpoint in
            guard checkpoint.step == 3, (try? directory.latestCheckpoint())??.step == 3 else { return }
            _ = try? directory.saveCheckpoint(Self.tensors(step: 4), step: 4, keepCheckpointMax: 0)
            let killed = CheckpointState(modelCheckpointPath: "model.ckpt-4", allModelCheckpointPaths: ["model.ckpt-2", "model.ckpt-3", "model.ckpt-4"])
            _ = try? FileIO.writeAtomically(Array(killed.serialized.utf8), to: directory.stateFileURL)
            _ = try? directory.saveCheckpoint(Self.tensors(step: 5), step: 5, keepCheckpointMax: 3)
        }
        #expect(indexExists(directory, step: 1) && !indexExists(directory, step: 2), "not the killed trainer's leftovers")
        #expect(listing.checkpoints.map(\.step) == [3, 4, 5], "not what one state file lists")
        #expect(listing.latest?.step == 5)
    }

    @Test("TF's CheckpointManager deletes files its state file still lists: a listing meanwhile loses only the oldest")
    func listingBesideACheckpointManagerSweep() throws {
        // CheckpointManager.save writes the state file listing every checkpoint, the ones about to go included,
        // then deletes those oldest first, then writes the state file again: here the sweep of 1 and 2 (of 1…5,
        // max_to_keep 3) runs while 2's index is looked for.
        let (directory, listing) = try listing(saving: 1...5, keep: 0) { directory, checkpoint in
            guard checkpoint.step == 2 else { return }
            for step in Int64(1)...2 { _ = try? directory.deleteCheckpointFiles(prefix: directory.prefix(forStep: step)) }
        }
        #expect(!indexExists(directory, step: 1), "the sweep did not happen")
        #expect(listing.checkpoints.map(\.step) == [3, 4, 5], "a hole: an older checkpoint seen after a newer one was deleted")
        #expect(listing.latest?.step == 5)
    }

    @Test("a listing taken while every look meets a new save leaves no hole: what retention took is a run off the front")
    func listingWhileTheStateFileNeverHoldsStill() throws {
        // Whenever the middle one of the three listed is looked for, the trainer saves two more (deleting it and the oldest).
        let (directory, listing) = try listing(saving: 1...3, keep: 3) { directory, checkpoint in
            guard let latest = (try? directory.latestCheckpoint())??.step, checkpoint.step == latest - 1, latest < 100 else { return }
            for step in latest + 1...latest + 2 { _ = try? directory.saveCheckpoint(Self.tensors(step: step), step: step, keepCheckpointMax: 3) }
        }
        let steps = listing.checkpoints.compactMap(\.step)
        #expect(try directory.latestCheckpoint()?.step ?? 0 > 3, "the trainer's saves in the hook did not happen")
        #expect(!steps.isEmpty && steps == Array(steps[0]...steps[steps.count - 1]), "a hole in \(steps)")
        #expect(listing.latest == listing.checkpoints.last)
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

    @Test("a lock file removed between opening and locking it is locked again where it now is")
    func aRemovedLockFileIsNotTrusted() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory().appendingPathComponent("fresh"))
        var removals = 0
        // A failed first trainer removes the new directory it created just after this trainer opened its lock file.
        let lock = try directory.acquireTrainerLock(afterOpening: {
            if removals == 0 { try? FileManager.default.removeItem(at: directory.url) }
            removals += 1
        })
        #expect(removals == 2, "the lock on the removed file was kept")
        #expect(lock.isOnFileInPlace)
        // The lock guards the file in place: another trainer is locked out.
        let error = try #require(throws: TFFormatError.self) { try directory.acquireTrainerLock() }
        guard case .directoryLocked = error else { Issue.record("got \(error)"); return }
        try FileManager.default.removeItem(at: lock.url)
        #expect(!lock.isOnFileInPlace)
        lock.release()
        #expect(!lock.isOnFileInPlace)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock"))
    func anotherProcessHoldingTheLockIsDetected() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        try directory.acquireTrainerLock().release()  // creates the directory and the lock file
        let lockPath = directory.url.appendingPathComponent(ModelDirectory.lockFileName).path
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        other.arguments = ["-o", lockPath, "sleep", "5"]  // -o: only flock itself holds the lock
        try other.run()
        defer { kill(other.processIdentifier, SIGKILL) }
        var sawLocked = false
        let deadline = Date().addingTimeInterval(4)
        while Date() < deadline && !sawLocked {
            let attempt = Result { try directory.acquireTrainerLock() }
            switch attempt {
            case .success(let lock):
                lock.release()
                usleep(20_000)
            case .failure(let error):
                #expect(error as? TFFormatError == .directoryLocked(path: directory.url.path, detail: "lock file \(ModelDirectory.lockFileName) is held"))
                sawLocked = true
            }
        }
        #expect(sawLocked)
        kill(other.processIdentifier, SIGKILL)  // a trainer killed -9 releases its lock with its descriptors
        var reacquired = false
        let retryDeadline = Date().addingTimeInterval(4)
        while !reacquired && Date() < retryDeadline {
            if let lock = try? directory.acquireTrainerLock() {
                lock.release()
                reacquired = true
            } else {
                usleep(20_000)
            }
        }
        #expect(reacquired)
        // And the other way round: while we hold it, another process cannot take it.
        let held = try directory.acquireTrainerLock()
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        probe.arguments = ["-n", lockPath, "true"]
        try probe.run()
        probe.waitUntilExit()  // `true` has no children, so this returns at once
        #expect(probe.terminationStatus != 0)
        held.release()
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

    @Test func scalarSummariesFollowTensorBoardIncludingRestartPurge() throws {
        let full = try ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch")).scalarSummaries()
        #expect(full["eval"]?["score"]?.map(\.step) == [5])
        #expect(full["."]?["loss"]?.map(\.value) == [Double(Float(1982.3004150390625)), Double(Float(746.2930908203125))])
        #expect(Set(full["."]?.keys.map { $0 } ?? []) == ["loss", "loss/raw"])

        // A run that crashed after step 4 (checkpoint at 2) and resumed from step 2: the stale 3 and 4 go away.
        let url = try TestFiles.temporaryDirectory()
        let first = try EventFileWriter(directory: url, wallTime: 100, hostName: "h")
        for step in 1...4 { try first.writeScalars([("loss", Float(step))], step: Int64(step), wallTime: 100) }
        first.close()
        let second = try EventFileWriter(directory: url, wallTime: 200, hostName: "h")
        try second.write(Event(wallTime: 200, step: 2, payload: .sessionLog(status: .start, checkpointPath: "")))
        for step in 3...5 { try second.writeScalars([("loss", Float(step * 10))], step: Int64(step), wallTime: 200) }
        second.close()
        let runs = try ModelDirectory(url: url).scalarSummaries()
        #expect(runs["."]?["loss"]?.map(\.step) == [1, 3, 4, 5])
        #expect(runs["."]?["loss"]?.map(\.value) == [1, 30, 40, 50])
    }

    @Test func summaryRunsListTrainingAndEvalEventFiles() throws {
        let full = ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch"))
        let runs = try full.summaryRuns()
        #expect(runs.map(\.run) == [".", "eval"])
        #expect(runs.map { $0.eventFiles.map(\.lastPathComponent) } == [["events.out.tfevents.1795823922.vm"], ["events.out.tfevents.1795823923.vm"]])
        #expect(try ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("saver_v1")).summaryRuns().isEmpty)
    }
}

@Suite("Multiple shards and write failures")
struct ShardAndFailureTests {
    @Test func twoShardBundleIsReadFromBothDataFiles() throws {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("sharded")
        func entry(dtype: Int32, shard: Int, offset: Int, bytes: [UInt8]) -> [UInt8] {
            var proto = ProtoWriter()
            proto.varint(1, UInt64(dtype))
            proto.message(2, [])
            proto.varint(3, UInt64(shard))
            proto.int64(4, Int64(offset))
            proto.int64(5, Int64(bytes.count))
            proto.fixed32(6, CRC32C.maskedChecksum(bytes))
            return proto.bytes
        }
        let step: [UInt8] = [7, 0, 0, 0, 0, 0, 0, 0]
        let flag: [UInt8] = [1]
        let index = SSTable.build([([], hexBytes("08021a020801")),
                                   (Array("global_step".utf8), entry(dtype: 9, shard: 1, offset: 2, bytes: step)),
                                   (Array("initialized".utf8), entry(dtype: 10, shard: 0, offset: 0, bytes: flag))])
        try TestFiles.write(index, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(flag, to: TensorBundleFiles.dataURL(prefix: prefix, shard: 0, shardCount: 2))
        try TestFiles.write([9, 9] + step, to: TensorBundleFiles.dataURL(prefix: prefix, shard: 1, shardCount: 2))
        #expect(TensorBundleFiles.dataURL(prefix: prefix, shard: 1, shardCount: 2).lastPathComponent == "sharded.data-00001-of-00002")
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(reader.shardCount == 2)
        #expect(try reader.readAll() == ["global_step": .int64(7), "initialized": .bool(true)])
        // An entry naming a shard the header does not have is rejected.
        let bad = SSTable.build([([], hexBytes("08011a020801")), (Array("x".utf8), entry(dtype: 10, shard: 1, offset: 0, bytes: flag))])
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix, indexBytes: bad) }
    }

    @Test func fullDiskWriteErrorNamesTheFileAndCause() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let error = try #require(throws: TFFormatError.self) { try FileIO.writeFully(fd, [1, 2, 3], path: "/dev/full") }
        #expect(error == .io(path: "/dev/full", operation: "write", message: String(cString: strerror(ENOSPC))))
    }

    @Test func failedAtomicWriteLeavesTheTargetUntouchedAndNoTemporaryFile() throws {
        let directory = try TestFiles.temporaryDirectory()
        let target = directory.appendingPathComponent("checkpoint")
        try TestFiles.write(Array("old".utf8), to: target)
        // Renaming over a directory fails: the old file stays, the temp file is removed.
        let blocker = directory.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocker.appendingPathComponent("child"), withIntermediateDirectories: true)
        #expect(throws: TFFormatError.self) { try FileIO.writeAtomically([1], to: blocker) }
        try FileIO.writeAtomically(Array("new".utf8), to: target)
        #expect(try TestFiles.bytes(target) == Array("new".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["blocked", "checkpoint"])
    }
}
