import Foundation
import Testing

/// End-to-end in tmux: a CSV with a text column, a row id column and a truth column opens with its note, `g` and
/// the agreement block show, and `o` writes assignments keyed by the row id.
@Suite("Workbench in tmux: a CSV with text, id and truth columns", .serialized,
       .enabled(if: WorkbenchTmux.available || WorkbenchTmux.requiredByCI, "tmux is not installed (Scripts/setup installs it)"))
struct WorkbenchCSVTmuxTests {
    @Test func csvWithTextIDAndTruthColumns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-csv-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines = ["id,segment,kind,x,y"]
        let blobs = blobsCSV(centers: [[0, 0], [60, 60], [0, 90]], perCenter: 10, header: false).split(separator: "\n")
        for (i, row) in blobs.enumerated() { lines.append("\(501 + i),\(["alpha", "beta", "gamma"][i % 3]),k\(i % 3),\(row)") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("explore.csv"))

        let tmux = try WorkbenchTmux(width: 140, height: 30, arguments: ["workbench", "--data", "explore.csv", "--truth", "kind", "--k", "3"],
                                     workingDirectory: directory.path)
        defer { tmux.kill() }
        try tmux.waitFor("explore.csv 30×2", #"left out text column "segment""#, #"left out row id column "id""#)
        tmux.send("n")
        try tmux.waitFor("step 1  next: assign", "truth ARI ")
        tmux.send("g")
        try tmux.waitFor("colour: truth")
        tmux.send("o")
        try tmux.waitFor("kmeans-run-1")
        let assignments = try String(contentsOf: directory.appendingPathComponent("kmeans-run-1/assignments.csv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(assignments.first == "id,cluster" && assignments.count == 31)
        #expect(assignments[1].hasPrefix("501,") && assignments[30].hasPrefix("530,"))
        // Colouring by truth does not change what is written: clusters, not truth classes (k0…k2 are not numbers).
        #expect(assignments.dropFirst().allSatisfy { Int($0.split(separator: ",")[1]).map { (0..<3).contains($0) } == true })
        try tmux.quitCleanly()
    }
}
