import Foundation
import Testing

/// The workbench's `e`: assignments (with the row id column), centres, and the run as a model dir.
@Suite("Workbench: writing the run out")
struct RunExportTests {
    @Test("o writes assignments with the ids, the centres, and a model dir that kmeans predicts with the same clusters")
    func exportRun() throws {
        let scratch = try Scratch()
        var lines = ["id,segment,x,y"]
        let blobs = blobsCSV(centers: [[0, 0], [6, 6], [0, 9]], perCenter: 10, header: false).split(separator: "\n")
        for (i, row) in blobs.enumerated() { lines.append("\(101 + i),\(["alpha", "beta", "gamma"][i % 3]),\(row)") }
        let data = try scratch.write("explore.csv", lines.joined(separator: "\n") + "\n")
        let screen = try scratch.succeed(["workbench", "--data", data, "--k", "3", "--steps", "3", "--keys", "o", "--snapshot", "-", "--size", "120x30"]).stdout
        #expect(screen.contains("kmeans-run-1"), "\(screen)")
        let assignments = try String(contentsOfFile: scratch.path("kmeans-run-1/assignments.csv"), encoding: .utf8).split(separator: "\n")
        #expect(assignments.first == "id,cluster" && assignments.count == 31)
        #expect(assignments[1].hasPrefix("101,") && assignments[30].hasPrefix("130,"))
        let centers = try String(contentsOfFile: scratch.path("kmeans-run-1/centers.csv"), encoding: .utf8).split(separator: "\n")
        #expect(centers.first == "x,y" && centers.count == 4)
        let predicted = try scratch.succeed(["predict", "--data", data, "--feature-columns", "x,y", "--model-dir", "kmeans-run-1/model", "--format", "csv"])
            .stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
        #expect(predicted == assignments.dropFirst().map { String($0.split(separator: ",")[1]) })
        #expect(try scratch.succeed(["inspect", "kmeans-run-1/model"]).stdout.contains("model.ckpt-3"))
        _ = try scratch.succeed(["workbench", "--data", data, "--k", "3", "--steps", "1", "--keys", "o", "--snapshot", "/dev/null"])
        #expect(FileManager.default.fileExists(atPath: scratch.path("kmeans-run-2/centers.csv")), "a second export takes the next free name")
    }
}
