import Foundation
import Testing

/// The whole tool as a user runs it: train → centers → predict → score → evaluate → inspect, parsing its JSON.
@Suite("kmeans end to end", .serialized)
struct EndToEndTests {
    let points = fixtures.appendingPathComponent("parity/points.csv").path

    /// Runs the whole chain on a trained model dir and checks each command against the expected values.
    private func checkChain(_ scratch: Scratch, modelDir: String, data: String, expected: ParityCase?, k: Int,
                            variables: Set<String>) throws {
        let centers = try scratch.succeed(["centers", "--model-dir", modelDir, "--format", "json"]).json()
        let centerRows = try #require(matrix(centers["cluster_centers"]))
        #expect(centerRows.count == k)
        let step = try #require(number(centers["global_step"]))
        if let expected {
            #expect(close(centerRows, expected.centers, relative: 1e-5), "centres \(centerRows) vs TF \(expected.centers)")
            #expect(Int(step) == expected.steps)
        }

        let lines = try scratch.succeed(["predict", "--model-dir", modelDir, "--data", data, "--format", "jsonl"]).jsonLines()
        let indices = lines.compactMap { number($0["cluster_index"]).map { Int($0) } }
        let distances = lines.compactMap { doubles($0["all_distances"]) }
        #expect(indices.count == lines.count && distances.count == lines.count)
        #expect(distances.allSatisfy { $0.count == k })
        for (index, row) in zip(indices, distances) {
            #expect(row[index] == row.min(), "cluster_index is not the nearest centre")
        }
        if let expected {
            #expect(indices == expected.clusterIndex)
            #expect(close(distances, expected.allDistances, relative: 1e-3, floor: 1))
        }

        let predictJSON = try scratch.succeed(["predict", "--model-dir", modelDir, "--data", data, "--format", "json"]).json()
        #expect(doubles(predictJSON["cluster_index"])?.map { Int($0) } == indices)

        let score = try scratch.succeed(["score", "--model-dir", modelDir, "--data", data, "--format", "json"]).json()
        let scoreValue = try #require(number(score["score"]))
        let sumOfNearest = zip(indices, distances).reduce(0.0) { $0 + max($1.1[$1.0], 0) }
        #expect(abs(scoreValue - sumOfNearest) <= 1e-4 * max(abs(sumOfNearest), 1e-3))
        if let expected {
            #expect(abs(scoreValue - expected.score) <= 1e-5 * abs(expected.score))
        }

        let evaluation = try scratch.succeed(["evaluate", "--model-dir", modelDir, "--data", data, "--format", "json"]).json()
        #expect(number(evaluation["loss"]) == scoreValue)
        #expect(number(evaluation["score"]) == scoreValue)
        #expect(number(evaluation["global_step"]) == step)

        let transform = try scratch.succeed(["transform", "--model-dir", modelDir, "--data", data, "--format", "json"]).json()
        let transformed = try #require(matrix(transform["distances"]))
        #expect(transformed.count == lines.count)
        if let expected {
            #expect(close(transformed, expected.transform, relative: 1e-3, floor: 1))
        }

        let inspect = try scratch.succeed(["inspect", modelDir, "--data", data, "--format", "json"]).json()
        let names = Set(try #require(inspect["variables"] as? [[String: Any]]).compactMap { $0["name"] as? String })
        #expect(names == variables)
        let sizes = try #require(doubles(inspect["cluster_sizes"])).map { Int($0) }
        #expect(sizes == (0..<k).map { cluster in indices.filter { $0 == cluster }.count })
        #expect(inspect["latest_checkpoint"] as? String == "model.ckpt-\(Int(step))")
        let remembered = try #require(inspect["parameters"] as? [String: Any])
        #expect(number(remembered["num_clusters"]) == Double(k))
        #expect(number(remembered["num_features"]) == Double(distances.first?.count == k ? centerRows[0].count : -1))
        let text = try scratch.succeed(["inspect", modelDir]).stdout
        #expect(text.contains("clusters") && text.contains("global_step"))
    }

    @Test("full batch with --initial-clusters FILE reproduces TF's centres, assignments and score")
    func fullBatchExplicit() throws {
        let scratch = try Scratch()
        let expected = try ParityCase("full_batch_explicit")
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        let trained = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                           "--use-mini-batch", "false", "--steps", "10", "--format", "json"]).json()
        #expect(number(trained["global_step"]) == 10)
        #expect(trained["stop_reason"] as? String == "steps")
        #expect(close(try #require(matrix(trained["cluster_centers"])), expected.centers, relative: 1e-5))
        try checkChain(scratch, modelDir: "model", data: points, expected: expected, k: 5,
                       variables: ["clusters", "global_step", "initialized"])
    }

    @Test("full batch kmeans_plus_plus with --random-seed 42 reproduces TF's centres")
    func fullBatchKMeansPlusPlus() throws {
        let scratch = try Scratch()
        let expected = try ParityCase("full_batch_kmeanspp")
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--num-clusters", "5",
                                 "--initial-clusters", "kmeans_plus_plus", "--random-seed", "42", "--use-mini-batch", "false",
                                 "--steps", "10", "--quiet"])
        try checkChain(scratch, modelDir: "model", data: points, expected: expected, k: 5,
                       variables: ["clusters", "global_step", "initialized"])
    }

    @Test("full batch cosine reproduces TF's centres and assignments")
    func fullBatchCosine() throws {
        let scratch = try Scratch()
        let expected = try ParityCase("full_batch_cosine")
        let initial = fixtures.appendingPathComponent("parity/initial_cosine.csv").path
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                 "--distance-metric", "cosine", "--use-mini-batch", "false", "--steps", "10"])
        let centers = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
        #expect(close(try #require(matrix(centers["cluster_centers"])), expected.centers, relative: 1e-5))
        let lines = try scratch.succeed(["predict", "--model-dir", "model", "--data", points, "--format", "jsonl"]).jsonLines()
        #expect(lines.compactMap { number($0["cluster_index"]).map { Int($0) } } == expected.clusterIndex)
        let score = try scratch.succeed(["score", "--model-dir", "model", "--data", points, "--format", "json"]).json()
        #expect(abs(try #require(number(score["score"])) - expected.score) <= 1e-5 * expected.score)
        let transform = try scratch.succeed(["transform", "--model-dir", "model", "--data", points, "--format", "json"]).json()
        #expect(close(try #require(matrix(transform["distances"])), expected.transform, relative: 1e-3, floor: 1e-3))
        let inspect = try scratch.succeed(["inspect", "model", "--format", "json"]).json()
        #expect((inspect["variables"] as? [[String: Any]])?.count == 3)
    }

    @Test("mini-batch training with batches streamed from the file, then every command")
    func miniBatch() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0, 0], [10, 10, 0], [0, 10, 10]], perCenter: 40))
        let trained = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--num-clusters", "3",
                                           "--initial-clusters", "kmeans_plus_plus", "--random-seed", "7", "--batch-size", "30",
                                           "--steps", "40", "--format", "json"]).json()
        #expect(number(trained["global_step"]) == 40)
        let centers = try #require(matrix(trained["cluster_centers"]))
        for truth in [[0.0, 0, 0], [10.0, 10, 0], [0.0, 10, 10]] {
            #expect(centers.contains { zip($0, truth).allSatisfy { abs($0 - $1) < 1 } }, "no centre near \(truth): \(centers)")
        }
        try checkChain(scratch, modelDir: "model", data: data, expected: nil, k: 3,
                       variables: ["Variable", "clusters", "global_step", "initialized"])
        // Training again continues from the checkpoint, with the remembered parameters.
        let more = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--steps", "5", "--batch-size", "30", "--format", "json"]).json()
        #expect(number(more["global_step"]) == 45)
    }

    @Test("mini-batch cosine with M = 3 and shuffled batches")
    func miniBatchCosine() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 30))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "model", "--num-clusters", "3", "--distance-metric", "cosine",
                                 "--initial-clusters", "kmeans_plus_plus", "--random-seed", "3", "--mini-batch-steps-per-iteration", "3",
                                 "--batch-size", "45", "--shuffle", "--steps", "30"])
        try checkChain(scratch, modelDir: "model", data: data, expected: nil, k: 3,
                       variables: ["Variable", "clusters", "clusters_updated", "global_step", "initialized", "update_in_steps"])
    }

    @Test("without --steps training stops on the relative tolerance and says so")
    func convergence() throws {
        let scratch = try Scratch()
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        let trained = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                           "--use-mini-batch", "false", "--format", "json"]).json()
        // TF stops this run at global step 6 (spec §7.3).
        #expect(trained["stop_reason"] as? String == "converged")
        #expect(number(trained["global_step"]) == 6)
        let text = try scratch.succeed(["train", "--data", points, "--model-dir", "other", "--initial-clusters", initial,
                                        "--use-mini-batch", "false"]).stdout
        #expect(text.contains("stopped: converged"))
    }

    @Test("the model directory remembers its parameters; conflicting flags are a parameter error (exit 1)")
    func rememberedParameters() throws {
        let scratch = try Scratch()
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                 "--use-mini-batch", "false", "--steps", "2"])
        #expect(scratch.exists("model/kmeans_params.json"))
        let conflict = try scratch.run(["train", "--data", points, "--model-dir", "model", "--use-mini-batch", "true", "--steps", "1"])
        #expect(conflict.status == 1)
        #expect(conflict.stderr.contains("--use-mini-batch true conflicts with the model directory"))
        let metric = try scratch.run(["score", "--data", points, "--model-dir", "model", "--distance-metric", "cosine"])
        #expect(metric.status == 1)
        #expect(metric.stderr.contains("distance_metric = squared_euclidean"))
        // Same values are fine.
        _ = try scratch.succeed(["score", "--data", points, "--model-dir", "model", "--use-mini-batch", "false"])
    }

    @Test("data from standard input, TSV and .npy give the same model")
    func inputFormats() throws {
        let scratch = try Scratch()
        let text = try String(contentsOfFile: points, encoding: .utf8)
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        let fromStdin = try scratch.succeed(["train", "--data", "-", "--model-dir", "a", "--initial-clusters", initial,
                                             "--use-mini-batch", "false", "--steps", "3", "--format", "json"], input: Data(text.utf8)).json()
        let tsv = try scratch.write("points.tsv", text.replacingOccurrences(of: ",", with: "\t"))
        let fromTSV = try scratch.succeed(["train", "--data", tsv, "--model-dir", "b", "--initial-clusters", initial,
                                           "--use-mini-batch", "false", "--steps", "3", "--format", "json"]).json()
        #expect(matrix(fromStdin["cluster_centers"]) == matrix(fromTSV["cluster_centers"]))
        // predict from stdin keeps input order
        let lines = try scratch.succeed(["predict", "--model-dir", "a", "--data", "-", "--format", "jsonl"], input: Data(text.utf8)).jsonLines()
        #expect(lines.count == 100)
        let csv = try scratch.succeed(["centers", "--model-dir", "a", "--format", "csv"]).stdout
        #expect(csv.hasPrefix("x,y\n"))
        #expect(csv.split(separator: "\n").count == 6)
    }

    @Test("progress goes to standard error only on a terminal: nothing when piped")
    func quietWhenPiped() throws {
        let scratch = try Scratch()
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        let result = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                          "--use-mini-batch", "false", "--steps", "3"])
        #expect(result.stderr.isEmpty)
    }

    @Test("export writes a timestamped directory with the variables and centres")
    func export() throws {
        let scratch = try Scratch()
        let initial = fixtures.appendingPathComponent("parity/initial_explicit.csv").path
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--initial-clusters", initial,
                                 "--use-mini-batch", "false", "--steps", "2"])
        let exported = try scratch.succeed(["export", "--model-dir", "model", "--to", "exports", "--format", "json"]).json()
        let directory = try #require(exported["export_dir"] as? String)
        for file in ["variables/variables.index", "variables/variables.data-00000-of-00001", "cluster_centers.npy", "cluster_centers.csv"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "missing \(file)")
        }
        let inspect = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
        #expect(matrix(inspect["cluster_centers"]) == matrix(exported["cluster_centers"]))
    }
}

@Suite("kmeans feature columns and locking")
struct FeatureColumnTests {
    @Test("--feature-columns is remembered: later commands select the same columns from a file with extra columns")
    func rememberedColumns() throws {
        let scratch = try Scratch()
        var text = "id,species,width,length\n"
        for i in 0..<30 {
            let cluster = i % 2
            text += "\(i),\(cluster == 0 ? "setosa" : "virginica"),\(Double(cluster * 10) + Double(i % 5) * 0.1),\(Double(cluster * 10) + Double(i % 3) * 0.1)\n"
        }
        let data = try scratch.write("iris.csv", text)
        let initial = try scratch.write("init.csv", "0,0\n10,10\n")
        let trained = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--feature-columns", "width,length",
                                           "--initial-clusters", initial, "--use-mini-batch", "false", "--steps", "3", "--format", "json"]).json()
        let centers = try #require(matrix(trained["cluster_centers"]))
        #expect(close(centers, [[0.2, 0.1], [10.2, 10.1]], relative: 0.05))
        let lines = try scratch.succeed(["predict", "--model-dir", "m", "--data", data, "--format", "jsonl"]).jsonLines()
        #expect(lines.compactMap { number($0["cluster_index"]).map { Int($0) } } == (0..<30).map { $0 % 2 })
        let csv = try scratch.succeed(["centers", "--model-dir", "m", "--format", "csv"]).stdout
        #expect(csv.hasPrefix("width,length\n"))
        let other = try scratch.run(["predict", "--model-dir", "m", "--data", data, "--feature-columns", "id,width"])
        #expect(other.status == 1)
        #expect(other.stderr.contains("conflicts"))
    }

    @Test("a second trainer on a locked model directory gets a clear error and the directory survives")
    func secondTrainerIsRefused() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5]], perCenter: 500))
        let binary = try #require(KMeansBinary.url)
        let first = Process()
        first.executableURL = binary
        first.arguments = ["train", "--data", data, "--model-dir", scratch.path("model"), "--num-clusters", "2", "--batch-size", "50",
                           "--steps", "100000000", "--quiet"]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let deadline = Date().addingTimeInterval(60)
        while !scratch.exists("model/checkpoint") && Date() < deadline && first.isRunning { usleep(20_000) }
        let second = try scratch.run(["train", "--data", data, "--model-dir", "model", "--steps", "1", "--batch-size", "50"])
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        #expect(second.status == 1)
        #expect(second.stderr.contains("locked"), "\(second.stderr)")
        let centers = try scratch.succeed(["centers", "--model-dir", "model", "--format", "json"]).json()
        #expect(matrix(centers["cluster_centers"])?.count == 2)
    }
}
