import Foundation
import Testing
@testable import TFFormats

/// Following a model directory beside its writer: what the follower reports, and how it handles bad directories.
@Suite("Model dir follower and watcher")
struct ModelDirFollowerTests {
    private func tensors(step: Int64) -> [String: Tensor] {
        ["clusters": .float([Float(step), 1, 2, 3], shape: [2, 2]), "global_step": .int64(step), "initialized": .bool(true)]
    }

    private func added(_ changes: [ModelDirChange]) -> [Int64] {
        changes.compactMap { if case .checkpointAdded(let reference, _) = $0 { return reference.step } else { return nil } }
    }

    private func removed(_ changes: [ModelDirChange]) -> [Int64] {
        changes.compactMap { if case .checkpointRemoved(let reference) = $0 { return reference.step } else { return nil } }
    }

    @Test("a directory that does not exist yet is waited for; checkpoints then arrive in order and retention removes them")
    func waitsThenFollows() throws {
        let parent = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: parent.appendingPathComponent("later"))
        var follower = ModelDirFollower(directory: directory)
        #expect(follower.refresh() == [.waitingForDirectory])
        #expect(follower.refresh().isEmpty)
        for step in Int64(1)...3 { try directory.saveCheckpoint(tensors(step: step), step: step, keepCheckpointMax: 2) }
        let first = follower.refresh()
        #expect(first.first == .directoryAppeared)
        #expect(added(first) == [2, 3])
        #expect(first.last == .checkpointAdded(CheckpointReference(prefix: directory.prefix(forStep: 3)), isLatest: true))
        try directory.saveCheckpoint(tensors(step: 4), step: 4, keepCheckpointMax: 2)
        let second = follower.refresh()
        #expect(removed(second) == [2])
        #expect(added(second) == [4])
        #expect(follower.checkpoints.map(\.step) == [3, 4])
        #expect(follower.latest?.step == 4)
        guard case .tensors(let read) = follower.read(try #require(follower.latest)) else {
            Issue.record("the latest checkpoint did not read")
            return
        }
        #expect(read == tensors(step: 4))
    }

    @Test("event scalars appear as they are appended, run by run")
    func followsScalars() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        var follower = ModelDirFollower(directory: directory)
        _ = follower.refresh()
        let writer = try EventFileWriter(directory: url, hostName: "test")
        try writer.writeScalars([("loss", 5)], step: 10)
        let evalWriter = try EventFileWriter(directory: url.appendingPathComponent("eval"), hostName: "test")
        try evalWriter.writeScalars([("score", 2)], step: 10)
        let changes = follower.refresh()
        let scalars = changes.compactMap { if case .scalar(let run, let tag, let point) = $0 { return "\(run) \(tag) \(point.step) \(point.value)" } else { return nil } }
        #expect(scalars == [". loss 10 5.0", "eval score 10 2.0"])
        try writer.writeScalars([("loss", 4)], step: 20)
        #expect(follower.refresh().count == 1)
    }

    @Test("a directory deleted while followed is reported, its checkpoints dropped, and it is picked up again")
    func deletedWhileFollowed() throws {
        let url = try TestFiles.temporaryDirectory().appendingPathComponent("model")
        let directory = ModelDirectory(url: url)
        try directory.saveCheckpoint(tensors(step: 5), step: 5)
        var follower = ModelDirFollower(directory: directory)
        #expect(added(follower.refresh()) == [5])
        try FileManager.default.removeItem(at: url)
        let changes = follower.refresh()
        #expect(changes.first == .directoryRemoved)
        #expect(removed(changes) == [5])
        try directory.saveCheckpoint(tensors(step: 1), step: 1)
        let back = follower.refresh()
        #expect(back.first == .directoryAppeared)
        #expect(added(back) == [1])
    }

    @Test("a state file naming a checkpoint outside the directory is one clear problem, reported once; the others are followed")
    func statePointingOutside() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        try directory.saveCheckpoint(tensors(step: 7), step: 7)
        let state = CheckpointState(modelCheckpointPath: "model.ckpt-7", allModelCheckpointPaths: ["../elsewhere/model.ckpt-3", "model.ckpt-7"])
        try Data(state.serialized.utf8).write(to: directory.stateFileURL)
        var follower = ModelDirFollower(directory: directory)
        let changes = follower.refresh()
        let problems = changes.compactMap { if case .problem(let text) = $0 { return text } else { return nil } }
        #expect(problems.count == 1)
        #expect(problems.first?.contains("../elsewhere/model.ckpt-3") == true && problems.first?.contains(directory.stateFileURL.path) == true,
                "\(problems)")
        #expect(added(changes) == [7])
        #expect(follower.refresh().isEmpty, "the problem is reported again")
    }

    @Test("an unparsable state file keeps the previous listing and is reported only when it stays so")
    func tornStateFile() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        try directory.saveCheckpoint(tensors(step: 2), step: 2)
        var follower = ModelDirFollower(directory: directory)
        #expect(added(follower.refresh()) == [2])
        try Data("model_checkpoint_path: \"model.ck".utf8).write(to: directory.stateFileURL)
        for _ in 1..<ModelDirFollower.statePatience { #expect(follower.refresh().isEmpty) }
        let late = follower.refresh()
        #expect(late.count == 1)
        if case .problem(let text) = late.first { #expect(text.contains(directory.stateFileURL.path)) } else { Issue.record("no problem: \(late)") }
        #expect(follower.checkpoints.map(\.step) == [2])
    }

    @Test("a checkpoint deleted by retention while it is read is skipped, not an error")
    func readGoneCheckpoint() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        try directory.saveCheckpoint(tensors(step: 1), step: 1, keepCheckpointMax: 1)
        var follower = ModelDirFollower(directory: directory)
        _ = follower.refresh()
        let first = try #require(follower.latest)
        try directory.saveCheckpoint(tensors(step: 2), step: 2, keepCheckpointMax: 1)
        guard case .gone = follower.read(first, retryDelay: 0) else {
            Issue.record("a deleted checkpoint did not read as gone")
            return
        }
    }

    @Test("a trainer saving twice while the follower looks for the listed indexes: removals stay oldest first")
    func savesBetweenIndexChecks() throws {
        let directory = ModelDirectory(url: try TestFiles.temporaryDirectory())
        let tensors = ModelDirectoryTests.tensors(step:)
        for step in Int64(1)...4 { try directory.saveCheckpoint(tensors(step), step: step, keepCheckpointMax: 3) }
        var follower = ModelDirFollower(directory: directory)
        #expect(added(follower.refresh()) == [2, 3, 4])
        try directory.saveCheckpoint(tensors(5), step: 5, keepCheckpointMax: 3)
        // The follower is descheduled (as under load) while it looks for the index of 4, the middle one of the
        // state file's [3, 4, 5]: meanwhile the trainer saves 6 and 7, and retention deletes 3 and 4.
        follower.beforeIndexCheck = { checkpoint in
            guard checkpoint.step == 4, (try? directory.latestCheckpoint())??.step == 5 else { return }
            for step in Int64(6)...7 { _ = try? directory.saveCheckpoint(tensors(step), step: step, keepCheckpointMax: 3) }
        }
        let during = follower.refresh()
        #expect(try directory.latestCheckpoint()?.step == 7, "the trainer's saves in the hook did not happen")
        #expect(follower.checkpoints.map(\.step) == [5, 6, 7], "the listing is not what one state file says")
        let after = follower.refresh()
        #expect(removed(during) + removed(after) == [2, 3, 4], "removals out of order")
        #expect(added(during) + added(after) == [5, 6, 7])
        #expect(follower.checkpoints.map(\.step) == [5, 6, 7])
    }

    @Test("forced polling says so; inotify wakes on a save within a second and otherwise times out")
    func watcherMechanisms() throws {
        let url = try TestFiles.temporaryDirectory()
        let polling = ModelDirWatcher(url: url, forcePolling: true, pollInterval: 0.05)
        #expect(polling.mechanism == .polling(interval: 0.05, reason: "forced"))
        #expect(polling.mechanism.description == "polling every 0.05 s (forced)")
        #expect(polling.waitForChange(timeout: 5))

        let watcher = ModelDirWatcher(url: url)
        try #require(watcher.mechanism == .inotify, "inotify is not active on \(url.path): \(watcher.mechanism)")
        #expect(!watcher.waitForChange(timeout: 0.05))
        let directory = ModelDirectory(url: url)
        let saver = Thread { _ = try? directory.saveCheckpoint(["global_step": .int64(1)], step: 1) }
        saver.start()
        #expect(watcher.waitForChange(timeout: 1))
    }

    @Test("a network file system (NFS) is recognised from the mount table, so polling is used there")
    func networkFileSystems() {
        let mounts = """
        /dev/sda1 / ext4 rw 0 0
        server:/export /mnt/shared nfs4 rw,relatime 0 0
        server:/export/x /mnt/shared/local\\040dir ext4 rw 0 0
        """
        #expect(ModelDirWatcher.networkFileSystem(containing: "/mnt/shared/runs/a", mounts: mounts) == "nfs4")
        #expect(ModelDirWatcher.networkFileSystem(containing: "/mnt/shared/local dir/a", mounts: mounts) == nil)
        #expect(ModelDirWatcher.networkFileSystem(containing: "/mnt/sharedness", mounts: mounts) == nil)
        #expect(ModelDirWatcher.networkFileSystem(containing: "/home/a", mounts: mounts) == nil)
    }
}
