import Foundation
import Testing

/// `kmeans sweep` through the real binary: its rows equal separate `kmeans train` + `kmeans score` runs, and bad
/// input gets one line, exit 1 and no output.
@Suite("kmeans sweep")
struct SweepCommandTests {
    /// 150 seeded 2-D points around three centres, with a row id and a text column.
    static func explore() -> String {
        var state: UInt64 = 11
        func unit() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        var text = "id,x,segment,y\n"
        for i in 0..<150 {
            let c = i % 3
            text += "\(i + 1),\(Double(c * 6) + unit() * 3),\(["alpha", "beta", "gamma"][c]),\(Double(c % 2 * 5) + unit() * 3)\n"
        }
        return text
    }

    @Test("each row's score equals kmeans train + kmeans score with that k and seed")
    func rowsEqualSeparateTrainRuns() throws {
        let scratch = try Scratch()
        let data = try scratch.write("explore.csv", Self.explore())
        // Full batch with k-means++ and two restarts; then TF's defaults (mini-batch, random) with one.
        for (extra, ks, restarts) in [(["--use-mini-batch", "false", "--initial-clusters", "kmeans_plus_plus"], "1...3", 2), ([], "2...3", 1)] {
            let sweep = try scratch.succeed(["sweep", "--data", data, "--k", ks, "--restarts", "\(restarts)", "--random-seed", "5",
                                             "--format", "json", "--quiet"] + extra).json()
            #expect((sweep["features"] as? [String]) == ["x", "y"])
            let rows = try #require(sweep["sweep"] as? [[String: Any]])
            #expect(rows.count == (ks == "1...3" ? 3 : 2))
            for row in rows {
                let k = try #require(row["k"] as? Int)
                let restartScores = try #require(row["restart_scores"] as? [Double])
                for (restart, expected) in restartScores.enumerated() {
                    let dir = "m-\(k)-\(restart)-\(extra.count)"
                    _ = try scratch.succeed(["train", "--data", data, "--feature-columns", "x,y", "--model-dir", dir, "--num-clusters", "\(k)",
                                             "--random-seed", "\(5 + restart)", "--quiet"] + extra)
                    let score = try scratch.succeed(["score", "--data", data, "--feature-columns", "x,y", "--model-dir", dir, "--format", "json"]).json()
                    #expect(score["score"] as? Double == expected, "k \(k) restart \(restart)")
                    if restart == restartScores.firstIndex(of: restartScores.min()!) {
                        #expect(row["score"] as? Double == expected && row["seed"] as? Int == 5 + restart)
                        #expect(score["global_step"] as? Int == row["iterations"] as? Int)
                    }
                }
                #expect((row["silhouette"] as? Double) != nil || k == 1)
            }
        }
    }

    @Test("text output names the silhouette's kind; the notes go to standard error")
    func textOutput() throws {
        let scratch = try Scratch()
        let data = try scratch.write("explore.csv", Self.explore())
        let result = try scratch.run(["sweep", "--data", data, "--k", "2...3", "--restarts", "1", "--truth", "segment"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("silhouette: exact"))
        #expect(result.stdout.contains("ARI"))
        #expect(result.stderr == "note: left out row id column \"id\" (integers counting up; kept for output); truth: \"segment\" (3 labels)\n")
    }

    @Test("bad input: one line naming the value, exit 1, nothing on standard output")
    func badInput() throws {
        let scratch = try Scratch()
        let data = try scratch.write("explore.csv", Self.explore())
        let strings = try scratch.write("strings.csv", "name,city\nann,paris\nbob,rome\n")
        let one = try scratch.write("one.csv", "x,y,label\n1,2,a\n3,1,a\n5,5,a\n")
        let cases: [([String], String)] = [
            (["--data", strings, "--k", "1...2"], "strings.csv: no numeric column to cluster: \"name\", \"city\" hold text"),
            (["--data", one, "--k", "1...2", "--truth", "label"], "truth column \"label\" has only one value (\"a\") in 3 rows"),
            (["--data", one, "--k", "1...5"], "--k 1...5 goes beyond the 3 rows of the data"),
            (["--data", data, "--k", "10...1"], "--k '10...1' is empty: 10 is above 1"),
            (["--data", data, "--k", "three"], "--k 'three' is not a range of k"),
            (["--data", data, "--k", "1...3", "--num-clusters", "2"], "--num-clusters does not apply to a sweep"),
        ]
        let before = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted()
        for (arguments, fragment) in cases {
            let result = try scratch.run(["sweep"] + arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("kmeans: error: ") && result.stderr.contains(fragment), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1 && result.stdout.isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == before)
    }

    @Test("the workbench opens a CSV with a text and a row id column, and takes --feature-columns and --skip-invalid")
    func workbenchOpensTables() throws {
        let scratch = try Scratch()
        let data = try scratch.write("explore.csv", Self.explore())
        let opened = try scratch.succeed(["workbench", "--data", data, "--snapshot", "-", "--size", "80x24"])
        #expect(opened.stdout.contains("explore.csv 150×2"))
        #expect(opened.stdout.contains("x × y"))
        let chosen = try scratch.succeed(["workbench", "--data", data, "--feature-columns", "y,x", "--snapshot", "-", "--size", "80x24"])
        #expect(chosen.stdout.contains("explore.csv 150×2") && chosen.stdout.contains("y × x"))
        let nan = try scratch.write("nan.csv", "x,y\n1,2\nnan,3\n4,5\n")
        #expect(try scratch.run(["workbench", "--data", nan, "--snapshot", "-"]).status == 1)
        let skipped = try scratch.succeed(["workbench", "--data", nan, "--skip-invalid", "--snapshot", "-", "--size", "80x24"])
        #expect(skipped.stdout.contains("nan.csv 2×2"))
    }
}
