import Foundation
import Testing

/// `kmeans train`'s closing table: every centre for a screenful, numpy's first-and-last summary beyond it.
@Suite("kmeans train output")
struct TrainSummaryTests {
    @Test("a 20 × 12 model is summarised to the first and last three rows and columns; a 3 × 2 one is printed whole")
    func summarisesPastAScreenful() throws {
        let scratch = try Scratch()
        var rows: [String] = []
        var state: UInt64 = 7
        for _ in 0..<200 {
            rows.append((0..<12).map { _ -> String in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return String(Double(state >> 11) / Double(1 << 53))
            }.joined(separator: ","))
        }
        let wide = try scratch.write("wide.csv", rows.joined(separator: "\n") + "\n")
        let text = try scratch.succeed(["train", "--data", wide, "--model-dir", "m", "--num-clusters", "20", "--steps", "1",
                                        "--use-mini-batch", "false", "--quiet"]).stdout
        let table = text.components(separatedBy: "cluster centers:\n")[1].split(separator: "\n")
        #expect(table[0].split(separator: " ") == ["#", "f0", "f1", "f2", "…", "f9", "f10", "f11"])
        #expect(table.count == 1 + 7 + 1, "header, 3 + … + 3 rows, the note: \(table)")
        #expect(table[4].split(separator: " ").allSatisfy { $0 == "…" })
        #expect(table[7].hasPrefix("  19 ") || table[7].split(separator: " ").first == "19")
        #expect(text.contains("kmeans centers --model-dir m"))
        let small = try scratch.write("small.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 8]], perCenter: 5))
        let whole = try scratch.succeed(["train", "--data", small, "--model-dir", "s", "--num-clusters", "3", "--steps", "1", "--quiet"]).stdout
        #expect(!whole.contains("…") && whole.components(separatedBy: "cluster centers:\n")[1].split(separator: "\n").count == 4)
    }
}
