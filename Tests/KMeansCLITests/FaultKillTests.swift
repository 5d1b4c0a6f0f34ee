import Foundation
import Testing

/// `kill -9` during `kmeans train` at seeded random moments, many times over: the model directory always opens at
/// its last complete checkpoint, never goes backwards, and training resumes from it.
///
/// `KMEANS_KILL_CYCLES` (default 30) sets the number of kills; `KMEANS_KILL_SEED` replays a schedule.
@Suite("Faults: kill -9 during training")
struct FaultKillTests {
    /// One model directory under attack: how it is trained and what it last showed.
    private struct Target {
        var name: String
        var arguments: [String]
        var lastStep: Int64 = 0
    }

    private func centers(_ scratch: Scratch, _ name: String) throws -> (step: Int64, centers: [[Double]]) {
        let result = try scratch.run(["centers", "--model-dir", name, "--format", "json"])
        #expect(result.status == 0, "\(name) does not open after kill -9: \(result.stderr)")
        let json = try result.json()
        let step = Int64(try #require(number(json["global_step"])))
        return (step, try #require(matrix(json["cluster_centers"])))
    }

    @Test("the model_dir survives kill -9 at random moments and training resumes from its last checkpoint")
    func killNineCycles() throws {
        let cycles = environmentInt("KMEANS_KILL_CYCLES", 30)
        let seed = UInt64(environmentInt("KMEANS_KILL_SEED", 20_261_128))
        var schedule = FaultSchedule(seed: seed)
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [6, 6], [0, 6], [6, 0]], perCenter: 150, spread: 2.5))
        let start = try scratch.write("start.csv", "1,1\n2,2\n3,3\n4,4\n")
        // Every step saves (fsync and rename each time), so kills land in saves, restores, event writes and steps.
        let common = ["--data", data, "--save-checkpoints-steps", "1", "--keep-checkpoint-max", "3", "--quiet", "--format", "json"]
        var targets = [
            Target(name: "full", arguments: common + ["--model-dir", "full", "--initial-clusters", start, "--use-mini-batch", "false"]),
            Target(name: "mini", arguments: common + ["--model-dir", "mini", "--num-clusters", "4", "--initial-clusters", "kmeans_plus_plus",
                                                      "--random-seed", "7", "--batch-size", "64",
                                                      "--mini-batch-steps-per-iteration", "3"]),
        ]
        // Each directory starts with one complete run, so there is always a last complete checkpoint.
        for index in targets.indices {
            let first = try scratch.succeed(["train"] + targets[index].arguments + ["--steps", "2"]).json()
            targets[index].lastStep = Int64(try #require(number(first["global_step"])))
        }

        var advanced = 0
        for cycle in 0..<cycles {
            let index = cycle % targets.count
            let delay = schedule.next(in: 0...900)
            let run = try BackgroundRun(scratch, ["train"] + targets[index].arguments + ["--steps", "1000000"])
            usleep(useconds_t(delay * 1000))
            run.kill(SIGKILL)
            let name = targets[index].name
            #expect(run.result.status == 128 + SIGKILL || run.result.status != 0,
                    "cycle \(cycle) (seed \(seed)): the run ended before the kill: \(run.result.stderr)")

            let directory = scratch.url.appendingPathComponent(name)
            let listing = StateFileListing(directory: directory)
            let latest = try #require(listing.latest, "cycle \(cycle) (seed \(seed), \(delay) ms): \(name) lost its state file")
            for prefix in Set(listing.all + [latest]) {
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(prefix + ".index").path),
                        "cycle \(cycle): \(prefix).index listed but missing")
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(prefix + ".data-00000-of-00001").path),
                        "cycle \(cycle): \(prefix).data listed but missing")
            }
            let opened = try centers(scratch, name)
            #expect(opened.step >= targets[index].lastStep,
                    "cycle \(cycle) (seed \(seed), \(delay) ms): \(name) went back from step \(targets[index].lastStep) to \(opened.step)")
            #expect(latest.hasSuffix("-\(opened.step)"), "cycle \(cycle): the state file names \(latest) but step \(opened.step) was read")
            if opened.step > targets[index].lastStep { advanced += 1 }
            targets[index].lastStep = opened.step
        }

        // Training resumes from the last checkpoint: exactly the requested steps more, leftovers cleaned up.
        for target in targets {
            let resumed = try scratch.succeed(["train"] + target.arguments + ["--steps", "3"]).json()
            #expect(number(resumed["global_step"]).map { Int64($0) } == target.lastStep + 3, "\(target.name) did not resume at \(target.lastStep)")
            #expect(number(resumed["steps_run"]) == 3)
            #expect(temporaryLeftovers(in: scratch.url.appendingPathComponent(target.name)).isEmpty)
        }

        // Full batch is deterministic: the interrupted directory holds exactly what an uninterrupted run computes.
        let final = try centers(scratch, "full")
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "reference", "--initial-clusters", start,
                                 "--use-mini-batch", "false", "--max-steps", "\(final.step)", "--quiet"])
        let reference = try centers(scratch, "reference")
        #expect(reference.step == final.step)
        #expect(reference.centers == final.centers, "resumed training diverged from an uninterrupted run")
        print("kill -9 cycles survived: \(cycles) (seed \(seed)); \(advanced) of them after new checkpoints were written")
    }
}
