import Foundation
import Testing

/// Ctrl-C during training: the run stops after saving a checkpoint and the directory keeps working.
@Suite("kmeans signals")
struct SignalTests {
    @Test("SIGINT stops training cleanly, saves a checkpoint and exits 130", arguments: [SIGINT, SIGTERM])
    func interrupt(signal: Int32) throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 5], [5, 0]], perCenter: 500))
        let binary = try #require(KMeansBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["train", "--data", data, "--model-dir", scratch.path("model"), "--num-clusters", "4",
                             "--batch-size", "100", "--steps", "100000000", "--format", "json"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first checkpoint (training has begun), then a moment more.
        let deadline = Date().addingTimeInterval(60)
        while !scratch.exists("model/checkpoint") && Date() < deadline && process.isRunning { usleep(20_000) }
        usleep(300_000)
        #expect(process.isRunning)
        kill(process.processIdentifier, signal)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        let summary = try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any])
        #expect(summary["stop_reason"] as? String == "interrupted")
        let step = try #require(number(summary["global_step"]))
        #expect(step > 0)
        let centers = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
        #expect(number(centers["global_step"]) == step)
    }
}

@Suite("kmeans progress")
struct ProgressTests {
    @Test("on a terminal, training draws a progress line (step, loss, rate, ETA) on standard error; --quiet silences it",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressOnTerminal() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 200))
        let binary = try #require(KMeansBinary.url)
        func runOnTerminal(_ extra: String, modelDir: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            // script gives the command a pseudo-terminal; its output (stdout and stderr) comes back on our stdout.
            process.arguments = ["-qec", "\(binary.path) train --data \(data) --model-dir \(scratch.path(modelDir)) --num-clusters 2 --batch-size 20 --steps 400 \(extra)", "/dev/null"]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self)
        }
        let shown = try runOnTerminal("", modelDir: "a")
        #expect(shown.contains("step "), "\(shown.prefix(300))")
        #expect(shown.contains("/400") && shown.contains("steps/s") && shown.contains("ETA"))
        let quiet = try runOnTerminal("--quiet", modelDir: "b")
        #expect(!quiet.contains("steps/s"))
        #expect(quiet.contains("trained"))
    }
}
