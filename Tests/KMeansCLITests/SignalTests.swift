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
