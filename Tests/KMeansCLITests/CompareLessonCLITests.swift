import Foundation
import Testing

/// `kmeans workbench --compare` and `--lesson` from the command line: headless frames, a reproducible lesson
/// recording, bad input (one line, exit 1, nothing drawn), and both driven by keys in tmux.
@Suite("Workbench compare and lesson (CLI)", .serialized)
struct CompareLessonCLITests {
    static let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/lessons")
    static let compareArguments = ["workbench", "--sample", "blobs", "--k", "4", "--compare", "init=random,seed=5", "--compare", "init=kmeans_plus_plus"]

    @Test func headlessComparisonShowsBothRunsAndTheVerdict() throws {
        let scratch = try Scratch()
        let result = try scratch.run(Self.compareArguments + ["--snapshot", "-", "--size", "80x24", "--steps", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows.first?.contains("compare 2 runs │ blobs 400×2") == true)
        #expect(rows[1].contains("1  random, seed 5 · step 3 · score ") && rows[1].contains("2  k-means++ · step 3 · score "), "\(rows[1])")
        #expect(rows[22].hasPrefix(" random, seed 5: ") && rows[22].contains(" · k-means++: "), "\(rows[22])")
        #expect(result.stdout.contains("score per iteration, 1…3"))
    }

    @Test func cOpensTheComparisonHeadlessAndOWritesEveryRun() throws {
        let scratch = try Scratch()
        let result = try scratch.run(["workbench", "--sample", "blobs", "--snapshot", "-", "--size", "80x24", "--keys", "Cnno"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows.first?.contains("compare 2 runs │ blobs 400×2") == true, "\(rows.first ?? "")")
        #expect(rows[1].contains("1  k-means++, se… · step 2") && rows[1].contains("2  random, seed 1 · step 2"), "\(rows[1])")
        #expect(rows[22].contains("2 runs written, a folder each: wrote 400 assignments"), "\(rows[22])")
        for run in ["kmeans-run-1", "kmeans-run-2"] {
            let assignments = try String(contentsOf: scratch.url.appendingPathComponent(run + "/assignments.csv"), encoding: .utf8)
            #expect(assignments.split(separator: "\n").count == 401, "\(run): a header and one row per point")
        }
    }

    @Test func badCompareAndLessonInputIsOneLineAndDrawsNothing() throws {
        let scratch = try Scratch()
        let broken = try scratch.write("broken.lesson", "data sample blobs\nset k 99\n")
        let cases: [([String], String)] = [
            (["--compare", "seed=1"], "--compare needs 2 to 4 runs, one --compare each (given 1)"),
            ((1...5).flatMap { ["--compare", "seed=\($0)"] }, "(given 5)"),
            (["--compare", "speed=3", "--compare", "seed=2"], "--compare \"speed=3\": unknown key \"speed\""),
            (["--compare", "k=500", "--compare", "seed=2"], "--compare \"k=500\": k = 500 is more than the 100 points"),
            (["--lesson", "no-such.lesson"], "no-such.lesson: no such lesson file"),
            (["--lesson", broken], "broken.lesson:2:7: set k takes a whole number from 1 to 26, got 99"),
            (["--lesson", Self.lessons.appendingPathComponent("1-lloyd-half-steps.lesson").path, "--record", "/nonexistent-dir/l.cast"],
             "cannot write the recording /nonexistent-dir/l.cast"),
        ]
        for (arguments, message) in cases {
            for extra in [["--snapshot", "-"], []] {
                let result = try scratch.run(["workbench"] + arguments + extra)
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
                #expect(result.stdout.isEmpty, "nothing drawn for \(arguments)")
            }
        }
        #expect(!scratch.exists("l.cast"))
    }

    @Test func aLessonRecordingWalksEveryStopAndIsReproducible() throws {
        let scratch = try Scratch()
        let lesson = Self.lessons.appendingPathComponent("1-lloyd-half-steps.lesson").path
        let arguments = ["workbench", "--lesson", lesson, "--colors", "256"]
        let first = try scratch.run(arguments + ["--record", "a.cast", "--snapshot", "a.txt"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try scratch.run(arguments + ["--record", "b.cast", "--snapshot", "-"]).status == 0)
        let a = try Data(contentsOf: scratch.url.appendingPathComponent("a.cast"))
        #expect(a == (try Data(contentsOf: scratch.url.appendingPathComponent("b.cast"))), "the same lesson gives the same bytes")
        let replay = try RecordingTests.replay(scratch.url.appendingPathComponent("a.cast").path)
        #expect(replay.header["width"] as? Int == 100 && replay.header["height"] as? Int == 30, "the lesson's own size")
        #expect(replay.times == replay.times.sorted() && replay.times.count == 8 && replay.times.last == 28, "8 stops, 4 s apart")
        let snapshot = try String(contentsOf: scratch.url.appendingPathComponent("a.txt"), encoding: .utf8)
        #expect(replay.rows == RecordingTests.trimmed(snapshot, rows: 30), "the recording ends on the last stop's screen")
        #expect(snapshot.contains("lesson 8/8"))
        let third = try scratch.run(arguments + ["--snapshot", "-", "--keys", "<space><space><space><left>"])
        #expect(third.stdout.contains("lesson 3/8"), "\(third.stdout)")
    }
}

/// The compare screen and a lesson, driven by keys in a real terminal.
@Suite("Compare and lesson in tmux", .serialized,
       .enabled(if: WorkbenchTmux.available || WorkbenchTmux.requiredByCI, "tmux is not installed (Scripts/setup installs it)"))
struct CompareLessonTmuxTests {
    @Test func compareTwiceStepInLockstepSeeBothScoresAndTheVerdict() throws {
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: CompareLessonCLITests.compareArguments)
        defer { tmux.kill() }
        try tmux.waitFor("compare 2 runs", "random, seed 5 · step 0", "k-means++ · step 0", "random, seed 5: not stepped")
        tmux.send("n", "n", "n")
        try tmux.waitFor("random, seed 5 · step 3 · score ", "k-means++ · step 3 · score ", "score per iteration, 1…3")
        let screen = try tmux.screen()
        let verdict = try #require(screen.split(separator: "\n").first { $0.hasPrefix(" random, seed 5: ") })
        #expect(verdict.contains(" · k-means++: ") && !verdict.contains("not stepped"), "\(verdict)")
        tmux.send("C")
        try tmux.waitFor("step 0  next: assign", "Run")
        #expect(!(try tmux.screen().contains("compare 2 runs")), "C returns to the single run")
        tmux.send("C")
        try tmux.waitFor("compare 2 runs", "k-means++, seed 1 · step 0")
        try tmux.quitCleanly()
    }

    @Test func lessonSpaceAdvancesLeftGoesBack() throws {
        let lesson = CompareLessonCLITests.lessons.appendingPathComponent("1-lloyd-half-steps.lesson").path
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--lesson", lesson])
        defer { tmux.kill() }
        try tmux.waitFor("lesson 1/8", "Space next")
        tmux.send("Space")
        try tmux.waitFor("lesson 2/8", "Assign: every point joins its nearest centre")
        tmux.send("Left")
        try tmux.waitFor("lesson 1/8")
        try tmux.quitCleanly()
    }
}
