import Foundation
import Testing

/// The checkpoint view follows a live `kmeans train`: each newest checkpoint shows within a second of the state file
/// naming it (the real binaries: a trainer process and the workbench in tmux).
@Suite("Workbench following a live trainer", .serialized,
       .enabled(if: WorkbenchTmux.available || WorkbenchTmux.requiredByCI, "tmux is not installed (Scripts/setup installs it)"))
struct WorkbenchFollowTmuxTests {
    @Test func newestCheckpointAppearsWithinASecond() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 8]], perCenter: 40))
        let binary = try #require(KMeansBinary.url)
        let trainer = Process()
        trainer.executableURL = binary
        trainer.currentDirectoryURL = scratch.url
        trainer.arguments = ["train", "--data", data, "--model-dir", "m", "--num-clusters", "3", "--batch-size", "10",
                             "--steps", "100000000", "--save-checkpoints-steps", "15000", "--quiet"]
        trainer.standardOutput = FileHandle.nullDevice
        trainer.standardError = FileHandle.nullDevice
        try trainer.run()
        defer { if trainer.isRunning { trainer.terminate(); trainer.waitUntilExit() } }
        let stateFile = scratch.path("m/checkpoint")
        func latestName() -> String? {
            guard let text = try? String(contentsOfFile: stateFile, encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model_checkpoint_path:") }) else { return nil }
            return line.split(separator: "\"").dropFirst().first.map(String.init)
        }
        func step(_ name: String) -> String { String(name.split(separator: "-").last ?? "") }
        let start = Date()
        while (latestName().map(step) ?? "0") == "0", Date().timeIntervalSince(start) < 20 { usleep(20_000) }
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--data", data, "--model-dir", scratch.path("m")])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("c")
        try tmux.waitFor("Checkpoints")
        var latencies: [Double] = []
        var previous = latestName()
        while latencies.count < 3, Date().timeIntervalSince(start) < 60 {
            guard let name = latestName(), name != previous else { usleep(10_000); continue }
            previous = name
            let written = Date()
            try tmux.waitUntil("checkpoint \(name) on screen", timeout: 5) { $0.contains("CHECKPOINT step \(step(name))") }
            latencies.append(Date().timeIntervalSince(written))
        }
        #expect(latencies.count == 3, "the trainer saved too few checkpoints")
        #expect(latencies.allSatisfy { $0 < 1 }, "latencies \(latencies)")
        trainer.terminate()
        tmux.send("q")
        try tmux.waitFor("KMEANS-EXIT rc=0")
    }
}
