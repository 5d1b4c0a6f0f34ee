import Foundation
import Testing
import KMeansCore
import KMeansEstimator
import TFFormats
import WorkbenchCore

/// The workbench and `kmeans train` drive the one training layer: the same settings leave the same variables, bit
/// for bit; resumed training continues the data; the checkpoint view scores as `kmeans score` does.
@Suite("One training layer: workbench and CLI agree")
struct TrainingLayerParityTests {
    /// One configuration, spelled for both front ends.
    struct Setup: CustomStringConvertible, Sendable {
        var name: String
        var train: [String]
        var workbench: [String]
        var description: String { name }
    }

    static let setups: [Setup] = {
        var out: [Setup] = []
        for metric in ["squared_euclidean", "cosine"] {
            out.append(Setup(name: "full batch, \(metric)",
                             train: ["--use-mini-batch", "false", "--distance-metric", metric],
                             workbench: ["--metric", metric]))
            for m in [1, 3] {
                out.append(Setup(name: "mini-batch M = \(m), shuffled, \(metric)",
                                 train: ["--batch-size", "20", "--shuffle", "--mini-batch-steps-per-iteration", "\(m)", "--distance-metric", metric],
                                 workbench: ["--batch-size", "20", "--steps-per-iteration", "\(m)", "--metric", metric]))
            }
        }
        return out
    }()

    /// Every variable of the latest checkpoint as shape and bit patterns, with the global step.
    static func variables(_ modelDir: String) throws -> (step: Int64?, tensors: [String: String]) {
        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        let latest = try #require(try directory.latestCheckpoint(), "no checkpoint in \(modelDir)")
        let tensors = try TensorBundleReader(prefix: latest.prefix).readAll(skippingUnsupported: false)
        return (latest.step, tensors.mapValues { tensor in
            let bits = tensor.floatValues.map { $0.map { String($0.bitPattern, radix: 16) } }
                ?? tensor.int64Values.map { $0.map(String.init) } ?? tensor.boolValues.map { $0.map(String.init) } ?? []
            return "\(tensor.shape) " + bits.joined(separator: ",")
        })
    }

    @Test("a workbench run of N steps and kmeans train of N steps: the same variables, bit for bit", arguments: setups)
    func sameVariables(setup: Setup) throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 30))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "t", "--num-clusters", "3", "--initial-clusters", "kmeans_plus_plus",
                                 "--random-seed", "9", "--steps", "12", "--quiet"] + setup.train)
        _ = try scratch.succeed(["workbench", "--data", data, "--model-dir", "w", "--k", "3", "--initialization", "kmeans_plus_plus",
                                 "--seed", "9", "--steps", "12", "--snapshot", "/dev/null"] + setup.workbench)
        let trained = try Self.variables(scratch.path("t"))
        let benched = try Self.variables(scratch.path("w"))
        #expect(trained.step == 12 && benched.step == 12)
        #expect(trained.tensors.keys.sorted() == benched.tensors.keys.sorted())
        #expect(trained.tensors == benched.tensors, "clusters differ: \(setup)")
    }

    static let resumeSetups: [Setup] = [
        Setup(name: "sequential, M = 1", train: ["--batch-size", "20"], workbench: []),
        Setup(name: "shuffled, M = 1", train: ["--batch-size", "20", "--shuffle"], workbench: []),
        Setup(name: "sequential, M = 3", train: ["--batch-size", "20", "--mini-batch-steps-per-iteration", "3"], workbench: []),
        Setup(name: "shuffled, M = 3", train: ["--batch-size", "20", "--shuffle", "--mini-batch-steps-per-iteration", "3"], workbench: []),
    ]

    // 100 rows in batches of 20: 7 steps cross the epoch boundary after step 5.
    @Test("N runs of --steps 1 equal one run of --steps N, across an epoch boundary", arguments: resumeSetups)
    func resumedRunsContinueTheData(setup: Setup) throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2], [3, 3]], perCenter: 25))
        let common = ["--data", data, "--num-clusters", "4", "--initial-clusters", "kmeans_plus_plus", "--random-seed", "9", "--quiet"] + setup.train
        _ = try scratch.succeed(["train", "--model-dir", "once", "--steps", "7"] + common)
        for _ in 0..<7 { _ = try scratch.succeed(["train", "--model-dir", "steps", "--steps", "1"] + common) }
        let once = try Self.variables(scratch.path("once"))
        let stepwise = try Self.variables(scratch.path("steps"))
        #expect(once.step == 7 && stepwise.step == 7)
        #expect(once.tensors == stepwise.tensors, "resumed runs took other batches: \(setup)")
    }

    @Test("the checkpoint view scores by the model's own metric in float32: kmeans score --checkpoint's bits")
    func checkpointScoreEqualsCLI() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 30))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--num-clusters", "4", "--distance-metric", "cosine",
                                 "--batch-size", "10", "--steps", "30", "--save-checkpoints-steps", "10", "--quiet"])
        let points = try #require(try parseCSV(String(contentsOfFile: data, encoding: .utf8)))
        let (entries, origin) = ModelDirCheckpoints.load(modelDir: scratch.path("m"), dataColumns: points.columns)
        #expect(entries.map(\.step) == [10, 20, 30], "\(origin)")
        for entry in entries {
            let cli = try scratch.succeed(["score", "--data", data, "--model-dir", "m", "--checkpoint", "m/\(entry.name)", "--format", "json"]).json()
            let expected = try #require((cli["score"] as? NSNumber)?.floatValue)
            let shown = try #require(ModelDirCheckpoints.evaluate(entry, data: points)).score
            #expect(shown.bitPattern == expected.bitPattern, "\(entry.name): view \(shown), CLI \(expected)")
        }
        // Another data set's width is refused when the view opens.
        let (none, why) = ModelDirCheckpoints.load(modelDir: scratch.path("m"), dataColumns: 3)
        #expect(none.isEmpty && why.contains("2 features, the data 3"))
    }

    @Test("opening a model dir restores its k, metric and mode; a continued run's checkpoints continue the step count")
    func openAndContinue() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 30))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--num-clusters", "4", "--distance-metric", "cosine",
                                 "--batch-size", "10", "--mini-batch-steps-per-iteration", "3", "--random-seed", "5", "--steps", "6", "--quiet"])
        // The workbench's own flags say k = 3, Euclidean, full batch: the model's settings win.
        let screen = try scratch.succeed(["workbench", "--data", data, "--model-dir", "m", "--snapshot", "-", "--size", "100x30"]).stdout
        #expect(screen.contains("k 4"), "\(screen)")
        #expect(screen.contains("cosine") && screen.contains("mini-batch"), "\(screen)")
        // Continuing writes checkpoints into the directory, under its step count; TF's own readers see them.
        _ = try scratch.succeed(["workbench", "--data", data, "--model-dir", "m", "--steps", "4", "--snapshot", "/dev/null"])
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "reference", "--num-clusters", "4", "--distance-metric", "cosine",
                                 "--batch-size", "10", "--mini-batch-steps-per-iteration", "3", "--random-seed", "5", "--steps", "10", "--quiet"])
        let inspect = try scratch.succeed(["inspect", "m", "--format", "json"]).stdout
        #expect(inspect.contains("model.ckpt-10"))
        let continued = try Self.variables(scratch.path("m"))
        #expect(continued.step == 10)
        #expect(continued.tensors == (try Self.variables(scratch.path("reference"))).tensors, "continuing in the workbench took other steps than train")
        let more = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--steps", "2", "--format", "json"]).json()
        #expect((more["global_step"] as? NSNumber)?.intValue == 12)
    }
}

extension TrainingLayerParityTests {
    @Test("--save-to: a run continued from a model dir is saved into a new directory, the model dir left as it was")
    func saveToNewDirectory() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 30))
        let flags = ["--num-clusters", "3", "--batch-size", "10", "--shuffle", "--random-seed", "2", "--quiet"]
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--steps", "6"] + flags)
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "reference", "--steps", "10"] + flags)
        let before = try FileManager.default.subpathsOfDirectory(atPath: scratch.path("m")).sorted()
        let run = try scratch.succeed(["workbench", "--data", data, "--model-dir", "m", "--save-to", "n", "--steps", "4", "--snapshot", "/dev/null"])
        #expect(run.stderr.contains("continued from"), "\(run.stderr)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: scratch.path("m")).sorted() == before)
        let saved = try Self.variables(scratch.path("n"))
        #expect(saved.step == 10)
        #expect(saved.tensors == (try Self.variables(scratch.path("reference"))).tensors)
        #expect(try ModelDirReader(path: scratch.path("n")).checkpoints().compactMap(\.step) == [6, 10])
        let again = try scratch.run(["workbench", "--data", data, "--model-dir", "m", "--save-to", "n", "--steps", "1", "--snapshot", "/dev/null"])
        #expect(again.status == 1 && again.stderr.contains("already holds a model"), "\(again.stderr)")
    }
}

/// The numeric rows of a CSV with a header line.
func parseCSV(_ text: String) -> Matrix? {
    let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Float($0) } }
    guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else { return nil }
    return Matrix(rows.map { $0 })
}

/// The workbench's checkpoint view on a SavedModel export (TensorFlow's estimator's own).
@Suite("Workbench on an export")
struct WorkbenchExportTests {
    @Test("a TF SavedModel export opens in the checkpoint view with its centres and metric, scored as kmeans score does, and is never written to")
    func exportOpens() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tf-savedmodel")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("expected.json"))) as? [String: Any])
        let rows = try #require(expected["train_points"] as? [[Double]])
        let points = Matrix(rows.map { $0.map { Float($0) } })
        for (name, metric) in [("estimator_export", "squared_euclidean"), ("estimator_export_cosine", "cosine")] {
            let scratch = try Scratch()
            let export = scratch.path(name)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: URL(fileURLWithPath: export))
            let (entries, origin) = ModelDirCheckpoints.load(modelDir: export, dataColumns: 2)
            let entry = try #require(entries.first, "\(origin)")
            #expect(entries.count == 1 && entry.model?.distanceMetric == metric && entry.centers.rows == 3)
            let csv = "x,y\n" + rows.map { $0.map { String(Float($0)) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            let data = try scratch.write("train.csv", csv)
            let cli = try scratch.succeed(["score", "--data", data, "--model-dir", export, "--format", "json"]).json()
            let score = try #require((cli["score"] as? NSNumber)?.floatValue)
            let shown = try #require(ModelDirCheckpoints.evaluate(entry, data: points)).score
            #expect(shown.bitPattern == score.bitPattern, "\(name): view \(shown), CLI \(score)")
            let before = try FileManager.default.subpathsOfDirectory(atPath: export).sorted()
            let run = try scratch.succeed(["workbench", "--data", data, "--model-dir", export, "--steps", "2", "--snapshot", "-"])
            #expect(run.stdout.contains("k 3") && run.stderr.contains("not written"), "\(run.stderr)")
            #expect(try FileManager.default.subpathsOfDirectory(atPath: export).sorted() == before)
        }
    }
}
