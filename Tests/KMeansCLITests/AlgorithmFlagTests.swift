import Foundation
import KMeansCore
import Testing

/// `--algorithm` picks the full-batch assignment algorithm: a speed choice that never changes the result.
@Suite("--algorithm")
struct AlgorithmFlagTests {
    /// Three well-separated blobs of 400 points in 9 dimensions, written as CSV.
    static func blobs() -> String {
        var generator = SplitMix64(seed: 7)
        var lines: [String] = []
        for i in 0..<1200 {
            let center = Double(i % 3) * 10
            lines.append((0..<9).map { _ in String(center + generator.nextUnit() - 0.5) }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("lloyd, hamerly and auto train to identical centres and global steps")
    func sameCenters() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", Self.blobs())
        var results: [[[Double]]] = []
        for algorithm in ["lloyd", "hamerly", "auto"] {
            _ = try scratch.succeed(["train", "--data", data, "--model-dir", algorithm, "--num-clusters", "6",
                                     "--initial-clusters", "kmeans_plus_plus", "--random-seed", "3",
                                     "--use-mini-batch", "false", "--steps", "8", "--algorithm", algorithm, "--quiet"])
            let centers = try scratch.succeed(["centers", "--model-dir", algorithm, "--format", "json"]).json()
            #expect((centers["global_step"] as? NSNumber)?.intValue == 8)
            let rows = try #require(centers["cluster_centers"] as? [[Double]])
            #expect(rows.count == 6)
            results.append(rows)
        }
        #expect(results[0] == results[1], "hamerly differs from lloyd")
        #expect(results[0] == results[2], "auto differs from lloyd")
    }

    @Test("unknown algorithms and hamerly in mini-batch mode are parameter errors (exit 1), nothing written")
    func refused() throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n7,8\n")
        let unknown = try scratch.run(["train", "--data", data, "--model-dir", "m", "--num-clusters", "2", "--algorithm", "elkan"])
        #expect(unknown.status == 1 && unknown.stderr.contains("--algorithm must be auto, lloyd or hamerly"), "\(unknown.stderr)")
        let miniBatch = try scratch.run(["train", "--data", data, "--model-dir", "m", "--num-clusters", "2", "--algorithm", "hamerly"])
        #expect(miniBatch.status == 1 && miniBatch.stderr.contains("full-batch training only"), "\(miniBatch.stderr)")
        #expect(!scratch.exists("m"))
    }
}
