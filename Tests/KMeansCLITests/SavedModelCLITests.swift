import Foundation
import Testing

/// `kmeans inspect` and `kmeans predict --model-dir` on SavedModel exports: TensorFlow 2.15's estimator exports
/// (against the outputs TF computed, in `expected.json`) and ours; hostile exports through the CLI.
@Suite("SavedModel exports in the CLI")
struct SavedModelCLITests {
    static var savedModels: URL { fixtures.appendingPathComponent("tf-savedmodel") }

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: savedModels.appendingPathComponent("expected.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static let exports = [("estimator_export", "squared_euclidean"), ("estimator_export_cosine", "cosine")]

    @Test("inspect on TF's export lists tags, TF's signatures, the op count, the metric and TF's centres", arguments: exports)
    func inspectTensorFlowExport(name: String, metric: String) throws {
        let expected = try Self.expected()
        let json = try Scratch().succeed(["inspect", Self.savedModels.appendingPathComponent(name).path, "--format", "json"]).json()
        #expect(json["tag_sets"] as? [[String]] == [["serve"]])
        #expect(json["distance_metric"] as? String == metric)
        #expect(json["feature_key"] as? String == "x")
        #expect((json["node_count"] as? Int ?? 0) > 100)
        let asFloat = { (rows: [[Double]]?) in rows?.map { $0.map(Float.init) } }
        #expect(asFloat(matrix(json["cluster_centers"])) == asFloat(matrix(expected["centres_\(metric)"])))
        let signatures = try #require(json["signatures"] as? [String: [String: Any]])
        let models = try #require(expected["models"] as? [String: [String: [String: [String: Any]]]])
        let tfSignatures = try #require(models[name])
        #expect(Set(signatures.keys) == Set(tfSignatures.keys))
        for (key, outputs) in tfSignatures {
            let ours = try #require(signatures[key]?["outputs"] as? [String: [String: Any]])
            #expect(ours["output"]?["name"] as? String == outputs["output"]?["tensor"] as? String, "\(key)")
            #expect(ours["output"]?["dtype"] as? String == outputs["output"]?["dtype"] as? String, "\(key)")
        }
        let text = try Scratch().succeed(["inspect", Self.savedModels.appendingPathComponent(name).path]).stdout
        #expect(text.contains("tag sets: [serve]"))
        #expect(text.contains("serving_default  tensorflow/serving/predict  x float32 (-1, 2) x:0"))
    }

    @Test("predict --model-dir on TF's export reproduces TF's cluster_index and all_distances", arguments: exports)
    func predictTensorFlowExport(name: String, metric: String) throws {
        let expected = try Self.expected()
        let scratch = try Scratch()
        let query = try #require(matrix(expected["query_x"]))
        let data = try scratch.write("query.csv", query.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n") + "\n")
        let rows = try scratch.succeed(["predict", "--model-dir", Self.savedModels.appendingPathComponent(name).path, "--data", data,
                                        "--format", "jsonl"]).jsonLines()
        let models = try #require(expected["models"] as? [String: [String: [String: [String: Any]]]])
        let tfIndex = try #require(doubles(models[name]?["cluster_index"]?["output"]?["value"]))
        let tfDistances = try #require(matrix(models[name]?["all_distances"]?["output"]?["value"]))
        #expect(rows.compactMap { number($0["cluster_index"]) } == tfIndex)
        // 1 − cos cancels near 0: cosine distances are compared relative to max(|d|, 1), the scale of the terms.
        #expect(close(rows.compactMap { doubles($0["all_distances"]) }, tfDistances, relative: 1e-5, floor: metric == "cosine" ? 1 : 1e-6))
    }

    @Test("our export opens with inspect and predict, and its predictions equal the model directory's")
    func ourExport() throws {
        let scratch = try Scratch()
        let data = try scratch.write("points.csv", blobsCSV(centers: [[0, 0, 0], [4, 4, 1], [0, 6, 3]], perCenter: 20))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--num-clusters", "3", "--distance-metric", "cosine",
                             "--use-mini-batch", "false", "--steps", "3", "--quiet"])
        let exported = try scratch.succeed(["export", "--model-dir", "model", "--to", "exports", "--format", "json"]).json()
        let export = try #require(exported["export_dir"] as? String)
        #expect(FileManager.default.fileExists(atPath: export + "/saved_model.pb"))
        let inspected = try scratch.succeed(["inspect", export, "--format", "json"]).json()
        #expect(inspected["distance_metric"] as? String == "cosine")
        #expect(matrix(inspected["cluster_centers"]) == matrix(exported["cluster_centers"]))
        let fromModel = try scratch.succeed(["predict", "--model-dir", "model", "--data", data, "--format", "jsonl"]).stdout
        let fromExport = try scratch.succeed(["predict", "--model-dir", export, "--data", data, "--format", "jsonl"]).stdout
        #expect(fromExport == fromModel)
        let conflict = try scratch.run(["predict", "--model-dir", export, "--data", data, "--distance-metric", "squared_euclidean"])
        #expect(conflict.status != 0 && conflict.stderr.contains("computes cosine distances"))
        let onnx = try scratch.succeed(["export", "--model-dir", "model", "--to", "model.onnx", "--format", "onnx"])
        #expect(onnx.stdout.contains("ONNX, opset 13") && scratch.exists("model.onnx"))
        let missing = try scratch.run(["export", "--model-dir", "model", "--to", "no/such/dir/model.onnx", "--format", "onnx"])
        #expect(missing.status != 0 && missing.stderr.contains("no/such/dir/model.onnx"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }

    @Test("a damaged saved_model.pb fails predict and inspect with one line naming the file")
    func damagedExport() throws {
        let scratch = try Scratch()
        let export = scratch.url.appendingPathComponent("export")
        try FileManager.default.copyItem(at: Self.savedModels.appendingPathComponent("estimator_export"), to: export)
        let graph = export.appendingPathComponent("saved_model.pb")
        let bytes = Array(try Data(contentsOf: graph))
        try FileManager.default.removeItem(at: graph)
        try Data(bytes[..<(bytes.count / 2)]).write(to: graph)
        let data = try scratch.write("q.csv", "1,2\n")
        for arguments in [["inspect", export.path], ["predict", "--model-dir", export.path, "--data", data]] {
            let result = try scratch.run(arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(graph.path) && result.stderr.contains("truncated"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
