import Foundation
import Testing

/// A full disk during a save, and two trainers on one model directory.
@Suite("Faults: disk full and competing trainers")
struct FaultDiskTests {
    /// Mounts a small tmpfs at `directory` (needs root and permission to mount); nil when that is not possible.
    private static func mountTmpfs(_ directory: URL, bytes: Int) -> Bool {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", directory.path]
        mount.standardOutput = FileHandle.nullDevice
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return false }
        mount.waitUntilExit()
        return mount.terminationStatus == 0
    }

    private static func unmount(_ directory: URL) {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [directory.path]
        try? umount.run()
        umount.waitUntilExit()
    }

    /// Fills the file system holding `directory` with `filler`, leaving about `leave` bytes free.
    private static func fill(_ filler: URL, leave: Int) {
        try? FileManager.default.removeItem(at: filler)
        var info = statvfs()
        guard statvfs(filler.deletingLastPathComponent().path, &info) == 0 else { return }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let size = max(0, free - leave)
        let fd = open(filler.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        let chunk = [UInt8](repeating: 0xAB, count: 64 * 1024)
        var written = 0
        while written < size || leave == 0 {
            let count = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, min(chunk.count, leave == 0 ? chunk.count : size - written)) }
            if count <= 0 { break }
            written += count
        }
        close(fd)
    }

    @Test("ENOSPC during a save: one clear error, exit 1, the previous checkpoint intact and training resumes later")
    func diskFullDuringSave() throws {
        let scratch = try Scratch()
        let volume = scratch.url.appendingPathComponent("volume")
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        guard Self.mountTmpfs(volume, bytes: 1 << 20) else {
            // Without a small file system, the same failure is injected through the file-size limit (EFBIG).
            try writeLimitedSave(scratch)
            return
        }
        defer { Self.unmount(volume) }
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 5]], perCenter: 40))
        let model = "volume/model"
        let train = ["train", "--data", data, "--model-dir", model, "--num-clusters", "3", "--initial-clusters", "kmeans_plus_plus",
                     "--random-seed", "3", "--use-mini-batch", "false", "--quiet", "--format", "json"]
        _ = try scratch.succeed(train + ["--steps", "2"])
        let before = try scratch.succeed(["centers", "--model-dir", model, "--format", "json"]).json()
        let filler = volume.appendingPathComponent("filler")
        let modelURL = scratch.url.appendingPathComponent(model)

        // Completely full, then with a few pages free so some files of a save fit and others do not.
        var failures = 0
        var lastStep = Int64(try #require(number(before["global_step"])))
        for leave in [0, 4096, 8192, 12288, 16384, 24576] {
            let files = snapshotFiles(modelURL)
            Self.fill(filler, leave: leave)
            let result = try scratch.run(train + ["--steps", "4"])
            if result.status != 0 {
                failures += 1
                #expect(result.status == 1, "leave \(leave): \(result.stderr)")
                #expect(result.stderr.hasPrefix("kmeans: error: "), "leave \(leave): \(result.stderr)")
                #expect(result.stderr.contains("No space left on device"), "leave \(leave): \(result.stderr)")
                #expect(result.stderr.contains(model), "the error does not name the file: \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "more than one line: \(result.stderr)")
                #expect(!result.stderr.contains("Fatal error"))
                // Nothing the failed run could not finish is visible: the checkpoint files it found are untouched.
                let after = snapshotFiles(modelURL)
                for (name, bytes) in files where name.hasPrefix("model.ckpt-") || name == "checkpoint" {
                    if after[name] != bytes, name == "checkpoint" {
                        // The state file may only have moved forward to a checkpoint that is complete on disk.
                        let listing = StateFileListing(directory: modelURL)
                        #expect(listing.latest.map { after[$0 + ".index"] != nil && after[$0 + ".data-00000-of-00001"] != nil } == true)
                    } else {
                        #expect(after[name] == bytes, "leave \(leave): \(name) changed or vanished after a failed save")
                    }
                }
            }
            try? FileManager.default.removeItem(at: filler)
            #expect(temporaryLeftovers(in: modelURL).isEmpty, "leave \(leave): temporary files left: \(temporaryLeftovers(in: modelURL))")
            let opened = try scratch.succeed(["centers", "--model-dir", model, "--format", "json"]).json()
            let step = Int64(try #require(number(opened["global_step"])))
            #expect(step >= lastStep, "leave \(leave): the directory went back from step \(lastStep) to \(step)")
            lastStep = step
        }
        #expect(failures >= 1, "the disk never filled up")
        // With space again, training continues from the last complete checkpoint.
        let resumed = try scratch.succeed(train + ["--steps", "1"]).json()
        #expect(number(resumed["global_step"]).map { Int64($0) } == lastStep + 1)
    }

    /// The fallback fault injection: `ulimit -f 0` with SIGXFSZ ignored makes every write that grows a file fail.
    private func writeLimitedSave(_ scratch: Scratch) throws {
        let binary = try #require(KMeansBinary.url)
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 30))
        let train = "'\(binary.path)' train --data '\(data)' --model-dir model --num-clusters 2 --use-mini-batch false --quiet"
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--num-clusters", "2", "--use-mini-batch", "false",
                                 "--steps", "1", "--quiet"])
        let files = snapshotFiles(scratch.url.appendingPathComponent("model"))
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "trap '' XFSZ; ulimit -f 0; exec \(train) --steps 3"]
        shell.currentDirectoryURL = scratch.url
        let errors = Pipe()
        shell.standardError = errors
        shell.standardOutput = FileHandle.nullDevice
        try shell.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 1, "\(message)")
        #expect(message.hasPrefix("kmeans: error: ") && message.contains("File too large"), "\(message)")
        #expect(snapshotFiles(scratch.url.appendingPathComponent("model")).filter { $0.key.hasPrefix("model.ckpt-") }
                == files.filter { $0.key.hasPrefix("model.ckpt-") })
    }

    @Test("a second trainer on a busy model_dir gets a clear lock error and changes nothing")
    func secondTrainerIsLockedOut() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 200))
        let arguments = ["train", "--data", data, "--model-dir", "model", "--num-clusters", "2", "--batch-size", "20", "--quiet",
                         "--save-checkpoints-steps", "50", "--format", "json"]
        let first = try BackgroundRun(scratch, arguments + ["--steps", "100000000"])
        let deadline = Date().addingTimeInterval(60)
        while !scratch.exists("model/checkpoint") && Date() < deadline && first.isRunning { usleep(20_000) }
        try #require(first.isRunning, "the first trainer ended early: \(first.result.stderr)")
        let second = try scratch.run(arguments + ["--steps", "5"])
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.stderr.hasPrefix("kmeans: error: "))
        #expect(second.stderr.contains("locked by another trainer"), "\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.pid)"), "the error does not say who holds the lock: \(second.stderr)")
        #expect(second.stdout.isEmpty)
        #expect(first.isRunning, "the locked-out trainer disturbed the first one")
        first.kill(SIGTERM)
        let finished = first.result
        #expect(finished.status == 128 + SIGTERM, "\(finished.stderr)")
        let summary = try finished.json()
        let centers = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
        #expect(number(centers["global_step"]) == number(summary["global_step"]))
        // Once the lock is free, the second trainer works.
        _ = try scratch.succeed(arguments + ["--steps", "5"])
    }

    /// The race of two trainers starting together on a new model_dir, made deterministic: the winner is frozen
    /// between taking the trainer lock and writing its parameters (another process holds the lock file of the
    /// new directory), and the loser, with other parameters, runs to its end meanwhile.
    @Test("a trainer locked out of a new model_dir writes no kmeans_params.json: only the lock holder decides them",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock"))
    func lockedOutTrainerLeavesNoParameters() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 30))
        let model = scratch.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: false)
        let lockPath = model.appendingPathComponent(".kmeans-trainer.lock").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // It says when it holds the lock, and holds it until its standard input is closed.
        holder.arguments = ["-o", lockPath, "-c", "echo held; read line"]
        let said = Pipe()
        let release = Pipe()
        holder.standardOutput = said
        holder.standardInput = release
        try holder.run()
        defer { try? release.fileHandleForWriting.close(); holder.waitUntilExit() }
        let line = String(decoding: said.fileHandleForReading.availableData, as: UTF8.self)
        try #require(line.hasPrefix("held"), "flock did not take the lock: \(line)")

        let common = ["train", "--data", data, "--model-dir", "model", "--use-mini-batch", "false", "--steps", "2", "--quiet"]
        let loser = try scratch.run(common + ["--num-clusters", "3", "--random-seed", "7"])
        #expect(loser.status == 1, "\(loser.stderr)")
        #expect(loser.stderr.hasPrefix("kmeans: error: ") && loser.stderr.contains("locked by another trainer"), "\(loser.stderr)")
        #expect(loser.stderr.contains(model.path) || loser.stderr.contains("model:"), "the error does not name the directory: \(loser.stderr)")
        #expect(!scratch.exists("model/kmeans_params.json"), "the locked-out trainer wrote its parameters")
        #expect(scratch.exists("model"), "the locked-out trainer removed the holder's new directory")

        // The holder goes on: its parameters, and only its, stand beside its checkpoints.
        try release.fileHandleForWriting.close()
        holder.waitUntilExit()
        let winner = try scratch.succeed(common + ["--num-clusters", "2", "--format", "json"]).json()
        #expect(matrix(winner["cluster_centers"])?.count == 2)
        let remembered = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: model.appendingPathComponent("kmeans_params.json"))) as? [String: Any])
        #expect(number(remembered["num_clusters"]) == 2 && number(remembered["random_seed"]) == 0, "\(remembered)")
        _ = try scratch.succeed(["predict", "--data", data, "--model-dir", "model", "--format", "jsonl"])
        // The loser, run again, now meets the winner's parameters and is told so, naming the file.
        let again = try scratch.run(common + ["--num-clusters", "3"])
        #expect(again.status == 1 && again.stderr.contains("conflicts") && again.stderr.contains("kmeans_params.json"), "\(again.stderr)")
    }

    @Test("two trainers started together on a new model_dir: one trains, the other is locked out and removes nothing")
    func simultaneousStartOnAFreshDirectory() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 200))
        let arguments = ["train", "--data", data, "--model-dir", "model", "--num-clusters", "2", "--batch-size", "20", "--quiet",
                         "--save-checkpoints-steps", "10", "--format", "json", "--steps", "400"]
        for _ in 0..<3 {
            try? FileManager.default.removeItem(at: scratch.url.appendingPathComponent("model"))
            let runs = try (0..<2).map { _ in try BackgroundRun(scratch, arguments) }
            let results = runs.map { $0.finish() }
            let winners = results.filter { $0.status == 0 }
            let losers = results.filter { $0.status != 0 }
            // Either both ran one after the other, or one was locked out; never a broken directory.
            for loser in losers {
                #expect(loser.status == 1 && loser.stderr.contains("locked by another trainer"), "\(loser.stderr)")
            }
            #expect(!winners.isEmpty, "\(results.map(\.stderr))")
            let centers = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
            let step = try #require(number(centers["global_step"]))
            #expect(step == Double(400 * winners.count), "step \(step) after \(winners.count) successful runs")
        }
    }
}
