import Foundation
import Testing
import TFFormats
@testable import KMeansEstimator

/// Writes a model_dir (+ eval dirs, an export and `expected.json`) for `Scripts/check-tf-compat`, which checks it
/// with real TensorFlow and TensorBoard. Runs only when `KMEANS_TF_CHECK_DIR` names the output directory.
@Suite("model_dir for the external TensorFlow check")
struct ModelDirExternalCheck {
    static let outputDirectory = ProcessInfo.processInfo.environment["KMEANS_TF_CHECK_DIR"]

    @Test(.enabled(if: outputDirectory != nil, "set KMEANS_TF_CHECK_DIR to write the model dir"))
    func writeModelDirForTensorFlow() throws {
        let base = try #require(Self.outputDirectory)
        let modelDir = base + "/model"
        try? FileManager.default.removeItem(atPath: base)
        var rows: [[Float]] = []
        for index in 0..<90 {
            let angle = Float(index) * 0.7
            rows.append([Float(index % 3) * 5 + cos(angle), Float(index % 3 == 1 ? 6 : 1) + sin(angle)])
        }
        let points = Matrix(rows)
        let estimator = try KMeansClustering(numClusters: 3, modelDir: modelDir, randomSeed: 3, useMiniBatch: true,
                                             miniBatchStepsPerIteration: 3, config: RunConfig(saveCheckpointsSteps: 2, saveSummarySteps: 1))
        try estimator.train(input: .batches(points, batchSize: 15, epochs: nil), steps: 7)
        let evaluation = try estimator.evaluate(input: .wholeArray(points))
        let named = try estimator.evaluate(input: .wholeArray(points), name: "holdout")
        let export = try estimator.exportSavedModel(exportDirBase: base + "/export", servingInputReceiverFn: { ServingInputReceiver() })

        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        var checkpoints: [String: [String: Any]] = [:]
        for checkpoint in try directory.checkpoints() {
            var variables: [String: Any] = [:]
            for (name, tensor) in try directory.load(checkpoint) {
                let values: [Any]
                switch tensor.values {
                case .float(let v): values = v.map { Double($0) }
                case .int64(let v): values = v.map { Int($0) }
                case .bool(let v): values = v
                default: values = []
                }
                variables[name] = ["dtype": tensor.dataType.name, "shape": tensor.shape, "flat": values]
            }
            checkpoints[checkpoint.name] = variables
        }
        var events: [String: [String: [[Double]]]] = [:]
        for subdirectory in ["", "eval", "eval_holdout"] {
            let url = URL(fileURLWithPath: modelDir).appendingPathComponent(subdirectory)
            for file in try FileManager.default.contentsOfDirectory(atPath: url.path) where EventFileReader.isEventFileName(file) {
                let scalars = try EventFileReader.scalars(url.appendingPathComponent(file))
                events[subdirectory.isEmpty ? "." : subdirectory] = scalars.mapValues { $0.map { [Double($0.step), $0.value] } }
            }
        }
        let expected: [String: Any] = [
            "model_dir": modelDir, "export": export, "latest": try #require(try directory.latestCheckpoint()).name,
            "checkpoints": checkpoints, "events": events,
            "eval_loss": Double(evaluation.loss), "holdout_loss": Double(named.loss),
        ]
        try JSONSerialization.data(withJSONObject: expected, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: base + "/expected.json"))
    }
}
