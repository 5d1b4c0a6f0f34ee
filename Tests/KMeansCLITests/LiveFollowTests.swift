import Foundation
import KMeansCore
import Testing

/// `kmeans inspect --follow` beside a live `kmeans train` process saving a checkpoint every step: the follower
/// never errors and sees, in order, every checkpoint that survived retention long enough to be listed.
///
/// `KMEANS_FOLLOW_SAVES` (default 100) sets the saves of the first test (docs/LIVE.md records a 1000-save run);
/// `KMEANS_FOLLOW_KILL_CYCLES` (default 30) and `KMEANS_KILL_SEED` the kill -9 schedule of the second.
@Suite("Live: follow a model dir while it is written")
struct LiveFollowTests {
    /// The follower's JSON lines, by event kind.
    private struct FollowLog {
        var lines: [[String: Any]]
        func events(_ kind: String) -> [[String: Any]] { lines.filter { $0["event"] as? String == kind } }
        func steps(_ kind: String) -> [Int64] { events(kind).compactMap { number($0["step"]).map { Int64($0) } } }
    }

    private func log(_ result: CLIResult) throws -> FollowLog { FollowLog(lines: try result.jsonLines()) }

    /// The checks every follow must pass: no problem, checkpoints in strictly increasing order, each read with the
    /// step its name says, removals only of what was seen and in order.
    private func expectSound(_ log: FollowLog, _ context: String) {
        #expect(log.events("problem").isEmpty, "\(context): problems: \(log.events("problem"))")
        let steps = log.steps("checkpoint") + log.steps("skipped")
        let shown = log.lines.compactMap { line -> Int64? in
            let kind = line["event"] as? String
            return kind == "checkpoint" || kind == "skipped" ? number(line["step"]).map { Int64($0) } : nil
        }
        #expect(shown == shown.sorted() && Set(shown).count == shown.count, "\(context): checkpoints out of order: \(shown)")
        for event in log.events("checkpoint") {
            #expect(number(event["global_step"]) == number(event["step"]), "\(context): \(event) read another step")
        }
        let removed = log.steps("removed")
        #expect(removed == removed.sorted(), "\(context): removals out of order: \(removed)")
        #expect(Set(removed).isSubset(of: Set(steps)), "\(context): removed checkpoints never shown")
        let losses = log.events("scalar").filter { $0["tag"] as? String == "loss" }.compactMap { number($0["step"]) }
        #expect(losses == losses.sorted(), "\(context): loss steps out of order")
    }

    @Test("a follower beside a trainer saving every step sees every retained checkpoint in order, with no error")
    func followWhileSaving() throws {
        let saves = environmentInt("KMEANS_FOLLOW_SAVES", 100)
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [6, 6], [0, 6]], perCenter: 40, spread: 1.5))
        let follower = try BackgroundRun(scratch, ["inspect", "live", "--follow", "--format", "jsonl", "--until-step", "\(saves)",
                                                   "--follow-timeout", "\(30 + saves / 5)"])
        usleep(200_000)
        let started = Date()
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "live", "--num-clusters", "3", "--batch-size", "40",
                             "--steps", "\(saves)", "--save-checkpoints-steps", "1", "--save-summary-steps", "1",
                             "--keep-checkpoint-max", "3", "--quiet"])
        let cadence = Date().timeIntervalSince(started) / Double(saves)
        let result = follower.finish(timeout: 30)
        #expect(result.status == 0, "follower: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let followLog = try log(result)
        expectSound(followLog, "\(saves) saves, one every \(Int(cadence * 1000)) ms")
        #expect(followLog.lines.first?["mechanism"] as? String == "inotify")
        #expect(followLog.lines.dropFirst().first?["event"] as? String == "waiting")
        let listing = StateFileListing(directory: scratch.url.appendingPathComponent("live"))
        let retained = listing.all.compactMap { $0.split(separator: "-").last.flatMap { Int64($0) } }
        #expect(retained.count == 3)
        #expect(Set(retained).isSubset(of: Set(followLog.steps("checkpoint"))), "retained \(retained) not all seen")
        #expect(followLog.steps("checkpoint").last == Int64(saves))
        let latencies = followLog.events("checkpoint").filter { $0["latest"] as? Bool == true }
            .compactMap { event in number(event["seen_at"]).flatMap { seen in number(event["written_at"]).map { seen - $0 } } }.sorted()
        let median = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        print("follow: \(saves) saves, one every \(Int(cadence * 1000)) ms; \(followLog.steps("checkpoint").count) checkpoints shown, "
              + "\(followLog.steps("skipped").count) skipped (deleted mid-read), \(followLog.steps("removed").count) removed; latency "
              + "(state file written -> line printed) median \(Int(median * 1000)) ms, max \(Int((latencies.last ?? 0) * 1000)) ms")
        #expect(followLog.events("scalar").contains { $0["tag"] as? String == "loss" && number($0["step"]) == Double(saves) })
    }

    @Test("a follower beside a trainer killed -9 at seeded random moments never errors and sees the checkpoints in order")
    func followThroughKills() throws {
        let cycles = environmentInt("KMEANS_FOLLOW_KILL_CYCLES", 30)
        let seed = UInt64(environmentInt("KMEANS_KILL_SEED", 20_261_207))
        var schedule = FaultSchedule(seed: seed)
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [6, 6], [0, 6]], perCenter: 40, spread: 1.5))
        let train = ["train", "--data", data, "--model-dir", "live", "--num-clusters", "3", "--batch-size", "40",
                     "--save-checkpoints-steps", "1", "--save-summary-steps", "1", "--keep-checkpoint-max", "3", "--quiet", "--format", "json"]
        let follower = try BackgroundRun(scratch, ["inspect", "live", "--follow", "--format", "jsonl", "--follow-timeout", "120"])
        _ = try scratch.succeed(train + ["--steps", "2"])
        for _ in 0..<cycles {
            let run = try BackgroundRun(scratch, train + ["--steps", "1000000"])
            usleep(useconds_t(schedule.next(in: 20...250) * 1000))
            run.kill(SIGKILL)
        }
        let last = try scratch.succeed(train + ["--steps", "3"]).json()
        let finalStep = Int64(try #require(number(last["global_step"])))
        usleep(1_500_000)
        follower.kill(SIGTERM)
        let result = follower.result
        #expect(result.stderr.isEmpty, "follower: \(result.stderr)")
        let followLog = try log(result)
        expectSound(followLog, "\(cycles) kill -9 cycles (seed \(seed))")
        #expect(followLog.steps("checkpoint").last == finalStep, "the final checkpoint \(finalStep) was not seen within 1.5 s")
    }
}

/// `kmeans inspect --follow` on directories that are missing, vanish, or name checkpoints outside themselves.
@Suite("Live: following bad directories")
struct LiveFollowBadInputTests {
    @Test("a directory that does not exist yet is waited for, saying so")
    func missingDirectory() throws {
        let scratch = try Scratch()
        let result = try scratch.succeed(["inspect", "not-yet", "--follow", "--follow-timeout", "0.3"])
        #expect(result.stdout.contains("not-yet does not exist yet: waiting for it to appear"), "\(result.stdout)")
        #expect(result.stdout.contains("following not-yet (inotify)"))
    }

    @Test("forced polling says which mechanism is active, and polling picks up a save")
    func forcedPolling() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [6, 6]], perCenter: 20))
        let follower = try BackgroundRun(scratch, ["inspect", "dir", "--follow", "--poll", "--poll-interval", "0.1", "--until-step", "3",
                                                   "--follow-timeout", "20"])
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "dir", "--num-clusters", "2", "--steps", "3", "--quiet"])
        let result = follower.finish(timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("following dir (polling every 0.1 s (forced))"), "\(result.stdout)")
        #expect(result.stdout.contains("checkpoint  model.ckpt-3 (latest): global_step 3"), "\(result.stdout)")
    }

    @Test("a directory deleted while followed is reported and waited for")
    func deletedWhileFollowed() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [6, 6]], perCenter: 20))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "gone", "--num-clusters", "2", "--steps", "2", "--quiet"])
        let follower = try BackgroundRun(scratch, ["inspect", "gone", "--follow", "--follow-timeout", "3"])
        usleep(700_000)
        try FileManager.default.removeItem(at: scratch.url.appendingPathComponent("gone"))
        let result = follower.finish(timeout: 10)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("checkpoint  model.ckpt-2 (latest): global_step 2"), "\(result.stdout)")
        #expect(result.stdout.contains("gone was deleted: waiting for it to come back"), "\(result.stdout)")
        #expect(result.stdout.contains("removed     model.ckpt-2"))
    }

    @Test("a checkpoint file pointing outside the directory is one clear line, and following goes on")
    func stateOutsideDirectory() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("odd"), withIntermediateDirectories: true)
        _ = try scratch.write("odd/checkpoint", "model_checkpoint_path: \"/etc/model.ckpt-9\"\n")
        let result = try scratch.succeed(["inspect", "odd", "--follow", "--follow-timeout", "0.3"])
        let problems = result.stdout.split(separator: "\n").filter { $0.contains("problem:") }
        #expect(problems.count == 1, "\(result.stdout)")
        #expect(problems.first?.contains("odd/checkpoint: checkpoint path '/etc/model.ckpt-9' points outside the model directory") == true)
    }

    @Test("--follow with a non-stream format, or follow flags without --follow, is a usage error")
    func usage() throws {
        let scratch = try Scratch()
        let json = try scratch.run(["inspect", "dir", "--follow", "--format", "json"])
        #expect(json.status == 2 && json.stderr.contains("--follow prints a stream of events: use --format text or --format jsonl"), "\(json.stderr)")
        let stray = try scratch.run(["inspect", "dir", "--poll"])
        #expect(stray.status == 2 && stray.stderr.contains("need --follow"), "\(stray.stderr)")
    }
}
