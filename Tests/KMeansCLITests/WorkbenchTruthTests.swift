import Foundation
import Testing

/// `kmeans workbench --truth` and `z` from the command line: a CSV with a text column, a row id and a truth column.
@Suite("Workbench: truth column and z-scores from the command line")
struct WorkbenchTruthTests {
    /// 30 rows: id, segment (text), kind (the truth), x, y around three centres.
    func exploreCSV(_ scratch: Scratch) throws -> String {
        var lines = ["id,segment,kind,x,y"]
        let blobs = blobsCSV(centers: [[0, 0], [60, 60], [0, 90]], perCenter: 10, header: false).split(separator: "\n")
        for (i, row) in blobs.enumerated() { lines.append("\(101 + i),\(["alpha", "beta", "gamma"][i % 3]),k\(i % 3),\(row)") }
        return try scratch.write("explore.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test("--truth: the notes name the text and id columns, g colours by truth, the panel shows the ARI")
    func truthFromCSV() throws {
        let scratch = try Scratch()
        let data = try exploreCSV(scratch)
        let opened = try scratch.succeed(["workbench", "--data", data, "--truth", "kind", "--snapshot", "-", "--size", "200x30"]).stdout
        #expect(opened.contains(#"opened explore.csv: left out text column "segment"; left out row id column "id""#), "\(opened)")
        #expect(opened.contains(#"truth: "kind" (3 labels)"#), "\(opened)")
        let screen = try scratch.succeed(["workbench", "--data", data, "--truth", "kind", "--k", "3", "--steps", "3", "--keys", "g",
                                          "--snapshot", "-", "--size", "120x30", "--colors", "mono"]).stdout
        #expect(screen.contains("explore.csv 30×2") && screen.contains("colour: truth"), "\(screen)")
        #expect(screen.contains("truth ARI ") && screen.contains("k0") && screen.contains("k2"), "\(screen)")
    }

    @Test("Bad truth columns: one value, also a feature, or no --data — one line naming it, nothing written")
    func badTruth() throws {
        let scratch = try Scratch()
        let one = try scratch.write("one.csv", "x,y,label\n1,2,a\n3,1,a\n5,5,a\n")
        let single = try scratch.run(["workbench", "--data", one, "--truth", "label", "--snapshot", "out.txt"])
        #expect(single.status != 0 && single.stderr.contains(#"truth column "label" has only one value ("a") in 3 rows"#), "\(single.stderr)")
        #expect(single.stderr.split(separator: "\n").count == 1)
        let twice = try scratch.run(["workbench", "--data", one, "--truth", "x", "--feature-columns", "x,y", "--snapshot", "out.txt"])
        #expect(twice.status != 0 && twice.stderr.contains("is also a feature column"), "\(twice.stderr)")
        let noData = try scratch.run(["workbench", "--truth", "species", "--snapshot", "out.txt"])
        #expect(noData.status != 0 && noData.stderr.contains("--truth needs --data"), "\(noData.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out.txt")))
    }

    @Test("z then o: centers.csv and the model are in original units, the README says so, assignments are the run's")
    func standardizedExport() throws {
        let scratch = try Scratch()
        let data = try exploreCSV(scratch)
        let screen = try scratch.succeed(["workbench", "--data", data, "--k", "3", "--keys", "znnnno", "--snapshot", "-", "--size", "120x30"]).stdout
        #expect(screen.contains("z-scores") && screen.contains("kmeans-run-1"), "\(screen)")
        let readme = try String(contentsOfFile: scratch.path("kmeans-run-1/README.txt"), encoding: .utf8)
        #expect(readme.contains("The run clustered z-scores") && readme.contains("x: mean "), "\(readme)")
        let centers = try String(contentsOfFile: scratch.path("kmeans-run-1/centers.csv"), encoding: .utf8).split(separator: "\n")
            .dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        // The blobs sit near (0, 0), (60, 60), (0, 90): in original units each centre is near one of them.
        for center in centers {
            let near = [[0.0, 0.0], [60, 60], [0, 90]].contains { abs($0[0] - center[0]) < 10 && abs($0[1] - center[1]) < 10 }
            #expect(near, "\(center)")
        }
        let shown = try scratch.succeed(["centers", "--model-dir", "kmeans-run-1/model", "--format", "csv"]).stdout
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(shown.count == 3 && zip(shown, centers).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) < 1e-3 } }, "\(shown) vs \(centers)")
        let predicted = try scratch.succeed(["predict", "--data", data, "--feature-columns", "x,y", "--model-dir", "kmeans-run-1/model", "--format", "csv"])
            .stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
        let assignments = try String(contentsOfFile: scratch.path("kmeans-run-1/assignments.csv"), encoding: .utf8).split(separator: "\n")
        #expect(assignments.first == "id,cluster" && assignments[1].hasPrefix("101,"))
        // Well-separated blobs: the raw-unit model agrees with the z-score run, and the README counts 0 differing.
        #expect(predicted == assignments.dropFirst().map { String($0.split(separator: ",")[1]) })
        #expect(readme.contains("it assigns 0 of 30 points"), "\(readme)")
    }
}
