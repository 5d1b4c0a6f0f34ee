import Foundation
import Testing

/// `predict` and `transform` in every output format, byte for byte: the layout is rebuilt here from the numbers
/// of the json output, and chunked runs (`--batch-size 3` over 8 rows) must print exactly what one chunk prints.
@Suite("predict and transform output, byte for byte")
struct RowOutputTests {
    static let points = "x,y\n1,1\n3,4\n11,11\n-1,2\n8,8\n6,6\n0.5,0.25\n12,13\n"

    /// A float as the CLI prints it: Swift's shortest round-trip form.
    static func text(_ value: Double) -> String { Float(value).description }

    /// Right-aligned columns separated by two spaces, each line led by two spaces.
    static func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            "  " + row.enumerated().map { String(repeating: " ", count: widths[$0.offset] - $0.element.count) + $0.element }
                .joined(separator: "  ")
        }.map { $0 + "\n" }.joined()
    }

    /// The pretty json of a matrix under `key`, as the CLI indents it.
    static func jsonMatrix(_ key: String, _ rows: [[Double]]) -> String {
        "  \"\(key)\": [\n" + rows.map { "    [" + $0.map(text).joined(separator: ", ") + "]" }.joined(separator: ",\n") + "\n  ]"
    }

    @Test("every format, chunked and whole", arguments: ["squared_euclidean", "cosine"])
    func everyFormat(metric: String) throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", "0,1\n2,1\n1,2\n2,2\n10,10\n12,10\n10,12\n12,12\n")
        let points = try scratch.write("points.csv", Self.points)
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--num-clusters", "2", "--distance-metric", metric,
                                 "--initial-clusters", "kmeans_plus_plus", "--random-seed", "3", "--use-mini-batch", "false",
                                 "--steps", "2", "--quiet"])
        let base = ["--model-dir", "model", "--data", points]

        let predicted = try scratch.succeed(["predict"] + base + ["--format", "json"])
        let indices = try #require((try predicted.json()["cluster_index"] as? [NSNumber])?.map(\.intValue))
        let raw = try #require(matrix(try predicted.json()["all_distances"]))
        try #require(indices.count == 8 && raw.count == 8 && raw.allSatisfy { $0.count == 2 })
        let transformed = try #require(matrix(try scratch.succeed(["transform"] + base + ["--format", "json"]).json()["distances"]))
        try #require(transformed.count == 8)

        let predict: [String: String] = [
            "json": "{\n  \"cluster_index\": [" + indices.map(String.init).joined(separator: ", ") + "],\n"
                + Self.jsonMatrix("all_distances", raw) + "\n}\n",
            "jsonl": zip(indices, raw).map { "{\"cluster_index\":\($0),\"all_distances\":[" + $1.map(Self.text).joined(separator: ",") + "]}\n" }.joined(),
            "csv": "cluster_index,all_distances_0,all_distances_1\n"
                + zip(indices, raw).map { "\($0)," + $1.map(Self.text).joined(separator: ",") + "\n" }.joined(),
            "text": Self.table([["#", "cluster_index", "distance"]]
                + raw.indices.map { ["\($0)", "\(indices[$0])", Self.text(raw[$0][indices[$0]])] }),
        ]
        let transform: [String: String] = [
            "json": "{\n" + Self.jsonMatrix("distances", transformed) + "\n}\n",
            "jsonl": transformed.map { "{\"distances\":[" + $0.map(Self.text).joined(separator: ",") + "]}\n" }.joined(),
            "csv": "distance_0,distance_1\n" + transformed.map { $0.map(Self.text).joined(separator: ",") + "\n" }.joined(),
            "text": Self.table([["#", "distance_0", "distance_1"]] + transformed.indices.map { ["\($0)"] + transformed[$0].map(Self.text) }),
        ]
        for (command, expected) in [("predict", predict), ("transform", transform)] {
            for format in ["text", "json", "jsonl", "csv"] {
                for chunk in [[], ["--batch-size", "3"], ["--batch-size", "1"]] {
                    let output = try scratch.succeed([command] + base + ["--format", format] + chunk).stdout
                    #expect(output == expected[format], "\(metric) \(command) --format \(format) \(chunk):\n\(output)\nexpected:\n\(expected[format] ?? "")")
                }
            }
        }
        // Standard input is chunked the same way.
        let piped = try scratch.succeed(["predict", "--model-dir", "model", "--data", "-", "--format", "csv", "--batch-size", "3"],
                                        input: Data(Self.points.utf8)).stdout
        #expect(piped == predict["csv"])
    }
}
