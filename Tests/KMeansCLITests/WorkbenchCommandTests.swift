import Foundation
import Testing

/// `kmeans workbench` without a terminal: headless snapshots, the checkpoint view over a model_dir written by
/// `kmeans train`, and clear failures.
@Suite("kmeans workbench command", .enabled(if: WorkbenchTmux.kmeansBinary() != nil, "kmeans binary not built"))
struct WorkbenchCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Outcome {
        let binary = try #require(WorkbenchTmux.kmeansBinary())
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-wb-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out").path, err = scratch.appendingPathComponent("err").path
        let cd = directory.map { "cd '\($0.path)' && " } ?? ""
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let status = try WorkbenchTmux.spawn(["/bin/sh", "-c", "\(cd)exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 \(quoted) 2>'\(err)'"], output: out)
        return Outcome(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    @Test func noArgumentsSnapshotRendersTheBuiltInData() throws {
        let outcome = try Self.run(["--snapshot", "-", "--size", "80x24", "--steps", "2", "--colors", "mono"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 25)
        #expect(outcome.stdout.contains("uniform-100 100×2"))
        #expect(outcome.stdout.contains("step 2  next: assign"))
        #expect(outcome.stdout.contains("PAUSED"))
    }

    @Test func snapshotFileInAnsiWithKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-wb-ansi-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Self.run(["workbench", "--sample", "iris", "--snapshot", "frame.ans", "--format", "ansi", "--colors", "256",
                                    "--size", "100x30", "--keys", "nnh?"], in: directory)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let text = try String(contentsOf: directory.appendingPathComponent("frame.ans"), encoding: .utf8)
        #expect(text.contains("\u{1B}[0;38;5;"))
        #expect(text.contains("Help: keys"))
        #expect(text.contains("iris 150×4"))
    }

    @Test func checkpointViewOfATrainedModelDir() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-wb-ckpt-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "a,b\n"
        var generator = SystemRandomNumberGenerator()
        for (cx, cy) in [(0.0, 0.0), (10.0, 10.0), (0.0, 10.0)] {
            for _ in 0..<20 { csv += "\(cx + Double.random(in: -1...1, using: &generator)),\(cy + Double.random(in: -1...1, using: &generator))\n" }
        }
        try csv.write(to: directory.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        let train = try Self.run(["train", "--data", "d.csv", "--model-dir", "m", "--num-clusters", "3", "--use-mini-batch", "false",
                                  "--initial-clusters", "kmeans_plus_plus", "--steps", "3", "--save-checkpoints-steps", "1",
                                  "--keep-checkpoint-max", "0", "--quiet"], in: directory)
        try #require(train.status == 0, "train failed: \(train.stderr)")
        let view = try Self.run(["workbench", "--data", "d.csv", "--model-dir", "m", "--snapshot", "-", "--size", "100x30", "--keys", "c<left>"], in: directory)
        #expect(view.status == 0, "\(view.stderr)")
        #expect(view.stdout.contains("CHECKPOINT step 2"))
        for step in 1...3 { #expect(view.stdout.contains(" \(step) "), "checkpoint \(step) listed") }
        let resumed = try Self.run(["workbench", "--data", "d.csv", "--model-dir", "m", "--snapshot", "-", "--size", "100x30", "--keys", "c<enter>n"], in: directory)
        #expect(resumed.stdout.contains("step 4  next: assign"))
    }

    @Test func withoutATerminalItSaysSo() throws {
        let outcome = try Self.run(["workbench"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("must be a terminal"))
        #expect(outcome.stderr.contains("--snapshot"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let colours = try Self.run(["workbench", "--colors", "rainbow", "--snapshot", "-"])
        #expect(colours.status == 2)
        #expect(colours.stderr.contains("--colors must be truecolor, 256, 8 or mono"))
        let keys = try Self.run(["workbench", "--keys", "<nope>", "--snapshot", "-"])
        #expect(keys.status == 2)
        #expect(keys.stderr.contains("unknown key <nope>"))
        let size = try Self.run(["workbench", "--size", "big", "--snapshot", "-"])
        #expect(size.status == 2)
    }

    @Test func badDataFileNamesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-wb-bad-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "x,y\n1,2\n3,oops\n".write(to: directory.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let outcome = try Self.run(["workbench", "--data", "bad.csv", "--snapshot", "-"], in: directory)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("bad.csv"))
        #expect(outcome.stdout.isEmpty)
    }
}
