import Foundation
import Testing
import TFFormats
@testable import KMeansEstimator

/// Small deterministic data for the model_dir tests: three blobs in 2-D, away from the origin (cosine-safe).
private func blobPoints(count: Int = 60, seed: UInt64 = 11) -> Matrix {
    var state = seed
    func uniform() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24)
    }
    let centers: [(Float, Float)] = [(2, 9), (8, 3), (9, 9)]
    var rows: [[Float]] = []
    for index in 0..<count {
        let center = centers[index % centers.count]
        rows.append([center.0 + uniform() * 2 - 1, center.1 + uniform() * 2 - 1])
    }
    return Matrix(rows)
}

private func rows(_ matrix: Matrix, _ range: Range<Int>) -> Matrix {
    Matrix(rows: range.count, columns: matrix.columns, values: Array(matrix.values[(range.lowerBound * matrix.columns)..<(range.upperBound * matrix.columns)]))
}

private func temporaryModelDir(_ label: String = #function) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("modeldir-tests-\(label.filter { $0.isLetter })-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Copies a TF-written fixture dir (`Fixtures/tf-<name>`) somewhere writable.
private func copyTFFixture(_ name: String) throws -> String {
    let source = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/tf-\(name)")
    let destination = URL(fileURLWithPath: try temporaryModelDir(name)).appendingPathComponent(name)
    try FileManager.default.copyItem(at: source, to: destination)
    return destination.path
}

private func latestVariables(_ modelDir: String) throws -> [String: Tensor] {
    try #require(try ModelDirectory(url: URL(fileURLWithPath: modelDir)).loadLatest()).tensors
}

struct ResumeCase: Sendable, CustomTestStringConvertible {
    var useMiniBatch: Bool
    var stepsPerIteration: Int
    var metric: DistanceMetric
    var testDescription: String { "\(useMiniBatch ? "mini-batch M=\(stepsPerIteration)" : "full batch") \(metric.rawValue)" }
}

@Suite("model_dir on disk: resume, TF-written dirs, exports, crash safety")
struct ModelDirTests {
    static let resumeCases: [ResumeCase] = [
        ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean),
        ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .cosine),
        ResumeCase(useMiniBatch: true, stepsPerIteration: 1, metric: .squaredEuclidean),
        ResumeCase(useMiniBatch: true, stepsPerIteration: 1, metric: .cosine),
        ResumeCase(useMiniBatch: true, stepsPerIteration: 3, metric: .squaredEuclidean),
        ResumeCase(useMiniBatch: true, stepsPerIteration: 3, metric: .cosine),
    ]

    private func estimator(_ c: ResumeCase, modelDir: String?, config: RunConfig = RunConfig(saveSummarySteps: 1)) throws -> KMeansClustering {
        try KMeansClustering(numClusters: 3, modelDir: modelDir, distanceMetric: c.metric, randomSeed: 7, useMiniBatch: c.useMiniBatch,
                             miniBatchStepsPerIteration: c.stepsPerIteration, config: config)
    }

    /// `train(steps: 1)` ten times, each by a fresh estimator restoring from disk, equals `train(steps: 10)`.
    @Test(arguments: resumeCases)
    func tenSingleStepsEqualTenSteps(_ c: ResumeCase) throws {
        let points = blobPoints()
        let batches: [Matrix] = (0..<10).map { step in c.useMiniBatch ? rows(points, (step % 6) * 10..<((step % 6) + 1) * 10) : points }
        let resumedDir = try temporaryModelDir()
        for batch in batches {
            try estimator(c, modelDir: resumedDir).train(input: .sequence([batch]), steps: 1)
        }
        let onceDir = try temporaryModelDir()
        try estimator(c, modelDir: onceDir).train(input: .sequence(batches), steps: 10)
        let resumed = try latestVariables(resumedDir)
        let once = try latestVariables(onceDir)
        #expect(resumed["global_step"] == .int64(10))
        #expect(resumed == once)
        // Bit-exact through the files, too.
        #expect(try TensorBundleEncoder.encode(resumed) == TensorBundleEncoder.encode(once))
        // And the same numbers as training in memory.
        let memory = try estimator(c, modelDir: nil)
        try memory.train(input: .sequence(batches), steps: 10)
        #expect(try memory.clusterCenters() == estimator(c, modelDir: resumedDir).clusterCenters())
        // Keys are TF's for the mode.
        var expectedKeys = ["clusters", "global_step", "initialized"]
        if c.useMiniBatch { expectedKeys.insert("Variable", at: 0) }
        if c.stepsPerIteration > 1 { expectedKeys += ["clusters_updated", "update_in_steps"] }
        #expect(resumed.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } == expectedKeys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func continuesTrainingFromTFFullBatchDir() throws {
        let modelDir = try copyTFFixture("kmeans_full_batch")
        let estimator = try KMeansClustering(numClusters: 5, modelDir: modelDir, useMiniBatch: false, config: RunConfig(saveSummarySteps: 1))
        #expect(try estimator.latestCheckpoint() == modelDir + "/model.ckpt-5")
        let start = try StateCoding.state(from: try latestVariables(modelDir), params: estimator.params, path: "ckpt-5")
        #expect(start.globalStep == 5 && start.initialized)
        #expect(try estimator.clusterCenters() == start.clusters)

        let points = blobPoints()
        try estimator.train(input: .wholeArray(points, epochs: nil), steps: 2)
        var expected = start
        for _ in 0..<2 { expected = try estimator.modelFunction.trainStep(expected, batch: points).state }
        let after = try latestVariables(modelDir)
        #expect(after == StateCoding.variables(of: expected, params: estimator.params))
        #expect(after["global_step"] == .int64(7))
        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        #expect(try directory.checkpoints().map(\.step) == [0, 1, 3, 5, 7])
        // Training events go next to TF's, readable, with the loss of steps 6 and 7.
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: modelDir).filter { $0.contains("tfevents") }
        #expect(eventFiles.count == 1)
        let scalars = try EventFileReader.scalars(URL(fileURLWithPath: modelDir).appendingPathComponent(eventFiles[0]))
        #expect(scalars["loss"]?.map(\.step) == [6, 7])

        // One more train: retention (keep 5) drops TF's model.ckpt-0.
        try estimator.train(input: .wholeArray(points, epochs: nil), steps: 1)
        #expect(try directory.checkpoints().map(\.step) == [1, 3, 5, 7, 8])
        #expect(!FileManager.default.fileExists(atPath: modelDir + "/model.ckpt-0.index"))
    }

    @Test func continuesTrainingFromTFMiniBatchM3Dir() throws {
        let modelDir = try copyTFFixture("kmeans_minibatch_m3")
        let estimator = try KMeansClustering(numClusters: 5, modelDir: modelDir, useMiniBatch: true, miniBatchStepsPerIteration: 3)
        let start = try StateCoding.state(from: try latestVariables(modelDir), params: estimator.params, path: "ckpt-4")
        #expect(start.globalStep == 4 && start.updateInSteps == 2)
        let points = blobPoints()
        let batches = (0..<4).map { rows(points, $0 * 15..<($0 + 1) * 15) }
        try estimator.train(input: .sequence(batches), steps: 4)
        var expected = start
        for batch in batches { expected = try estimator.modelFunction.trainStep(expected, batch: batch).state }
        let after = try latestVariables(modelDir)
        #expect(after == StateCoding.variables(of: expected, params: estimator.params))
        #expect(after["global_step"] == .int64(8))
        #expect(try ModelDirectory(url: URL(fileURLWithPath: modelDir)).checkpoints().map(\.step) == [0, 4, 8])
    }

    @Test func evaluationEventsGoToEvalDirs() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean)
        let estimator = try estimator(c, modelDir: modelDir)
        let points = blobPoints()
        try estimator.train(input: .wholeArray(points, epochs: nil), steps: 3)
        let result = try estimator.evaluate(input: .wholeArray(points))
        let named = try estimator.evaluate(input: .wholeArray(points), name: "test")
        #expect(estimator.evalDir() == modelDir + "/eval")
        #expect(estimator.evalDir(name: "test") == modelDir + "/eval_test")
        for (directory, value) in [(estimator.evalDir(), result.loss), (estimator.evalDir(name: "test"), named.loss)] {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("events.out.tfevents.") }
            #expect(files.count == 1)
            let scalars = try EventFileReader.scalars(URL(fileURLWithPath: directory).appendingPathComponent(files[0]))
            #expect(scalars["loss"]?.map(\.step) == [3])
            #expect(scalars["loss"]?.map(\.value) == [Double(value)])
            #expect(scalars["score"]?.map(\.value) == [Double(value)])
        }
        let training = try FileManager.default.contentsOfDirectory(atPath: modelDir).filter { $0.hasPrefix("events.out.tfevents.") }
        let trainingScalars = try EventFileReader.scalars(URL(fileURLWithPath: modelDir).appendingPathComponent(training[0]))
        #expect(trainingScalars["loss"]?.map(\.step) == [1, 2, 3])
        let trainingEvents = try EventFileReader.read(URL(fileURLWithPath: modelDir).appendingPathComponent(training[0]))
        #expect(trainingEvents.first?.payload == .fileVersion("brain.Event:2"))
        #expect(trainingEvents.dropFirst().first?.payload == .sessionLog(status: .start, checkpointPath: ""))
        #expect(trainingEvents.dropFirst().first?.step == 0)
        #expect(throws: KMeansError.self) { try estimator.evaluate(input: .wholeArray(points), name: "../escape") }
    }

    @Test func evaluateAndPredictAcceptASpecificCheckpointPath() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean)
        let points = blobPoints()
        let estimator = try estimator(c, modelDir: modelDir, config: RunConfig(saveCheckpointsSteps: 1, keepCheckpointMax: 0))
        try estimator.train(input: .wholeArray(points, epochs: nil), steps: 4)
        let atTwo = try estimator.evaluate(input: .wholeArray(points), checkpointPath: modelDir + "/model.ckpt-2")
        let relative = try estimator.evaluate(input: .wholeArray(points), checkpointPath: "model.ckpt-2")
        let latest = try estimator.evaluate(input: .wholeArray(points))
        #expect(atTwo.globalStep == 2 && relative == atTwo && latest.globalStep == 4)
        #expect(throws: (any Error).self) { try estimator.evaluate(input: .wholeArray(points), checkpointPath: modelDir + "/model.ckpt-99") }
    }

    @Test func modelDirWrittenHereReadsBackBitExactly() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: true, stepsPerIteration: 3, metric: .squaredEuclidean)
        let estimator = try estimator(c, modelDir: modelDir)
        try estimator.train(input: .sequence((0..<5).map { rows(blobPoints(), $0 * 10..<($0 + 1) * 10) }), steps: 5)
        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        let latest = try #require(try directory.latestCheckpoint())
        let tensors = try directory.load(latest)
        let encoded = try TensorBundleEncoder.encode(tensors)
        #expect(try Array(Data(contentsOf: TensorBundleFiles.indexURL(prefix: latest.prefix))) == encoded.index)
        #expect(try Array(Data(contentsOf: TensorBundleFiles.dataURL(prefix: latest.prefix))) == encoded.data)
        let state = try StateCoding.state(from: tensors, params: estimator.params, path: latest.name)
        #expect(StateCoding.variables(of: state, params: estimator.params) == tensors)
        #expect(try estimator.variableNames() == tensors.keys.sorted())
        #expect(try estimator.variableValue("clusters") == tensors["clusters"])
        let stateText = try String(contentsOfFile: modelDir + "/checkpoint", encoding: .utf8)
        #expect(stateText.hasPrefix("model_checkpoint_path: \"model.ckpt-5\"\n"))
    }

    @Test func crashMidSaveLeavesThePreviousCheckpointAndTrainingResumes() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean)
        let points = blobPoints()
        try estimator(c, modelDir: modelDir).train(input: .wholeArray(points, epochs: nil), steps: 2)
        let before = try latestVariables(modelDir)
        // A save of step 3 that died after writing a partial data temp file and a half index, before the state file.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: modelDir + "/.model.ckpt-3.data-00000-of-00001.tmp-1-2"))
        try Data([0x57, 0xFB]).write(to: URL(fileURLWithPath: modelDir + "/model.ckpt-3.index"))
        let reopened = try estimator(c, modelDir: modelDir)
        #expect(try reopened.latestCheckpoint() == modelDir + "/model.ckpt-2")
        #expect(try latestVariables(modelDir) == before)
        try reopened.train(input: .wholeArray(points, epochs: nil), steps: 1)
        #expect(try reopened.latestCheckpoint() == modelDir + "/model.ckpt-3")
        #expect(try latestVariables(modelDir)["global_step"] == .int64(3))
        #expect(try FileManager.default.contentsOfDirectory(atPath: modelDir).allSatisfy { !$0.contains(".tmp-") })
    }

    @Test func secondTrainerProcessIsLockedOut() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean)
        let estimator = try estimator(c, modelDir: modelDir)
        try estimator.train(input: .wholeArray(blobPoints(), epochs: nil), steps: 1)
        // Another process would take its own flock: simulate with a fresh open file description.
        let error = try #require(throws: TFFormatError.self) { try ModelDirectory(url: URL(fileURLWithPath: modelDir)).acquireTrainerLock() }
        guard case .directoryLocked = error else { Issue.record("got \(error)"); return }
        // Estimators in this process share the lock and can keep training.
        try self.estimator(c, modelDir: modelDir).train(input: .wholeArray(blobPoints(), epochs: nil), steps: 1)
    }

    @Test("a TrainerLockHold takes the lock before any save, creates the directory and is shared with this process's stores")
    func trainerLockHoldIsSharedWithTheStores() throws {
        let modelDir = try temporaryModelDir() + "/new/model"
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .squaredEuclidean)
        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        do {
            let hold = try TrainerLockHold(modelDir: modelDir)
            #expect(FileManager.default.fileExists(atPath: modelDir + "/" + ModelDirectory.lockFileName))
            // Another process would take its own flock: simulate with a fresh open file description.
            let error = try #require(throws: TFFormatError.self) { try directory.acquireTrainerLock() }
            guard case .directoryLocked(let path, _) = error else { Issue.record("got \(error)"); return }
            #expect(path == modelDir)
            // An estimator of this process saves under the hold's lock.
            try estimator(c, modelDir: modelDir).train(input: .wholeArray(blobPoints(), epochs: nil), steps: 1)
            #expect(try latestVariables(modelDir)["global_step"] == .int64(1))
            withExtendedLifetime(hold) {}
        }
        // Once the hold and the estimator are gone, the lock is free again.
        try directory.acquireTrainerLock().release()
    }

    @Test func exportsWriteTimestampedDirsWithCentersAndManifest() throws {
        let modelDir = try temporaryModelDir()
        let exportBase = try temporaryModelDir() + "/exports"
        let c = ResumeCase(useMiniBatch: false, stepsPerIteration: 1, metric: .cosine)
        let estimator = try estimator(c, modelDir: modelDir)
        #expect(throws: KMeansError.self) { try estimator.exportSavedModel(exportDirBase: exportBase, servingInputReceiverFn: { ServingInputReceiver() }) }
        try estimator.train(input: .wholeArray(blobPoints(), epochs: nil), steps: 3)
        let asset = URL(fileURLWithPath: modelDir).appendingPathComponent("vocab.txt")
        try Data("a\nb\n".utf8).write(to: asset)

        let first = try estimator.exportSavedModel(exportDirBase: exportBase, servingInputReceiverFn: { ServingInputReceiver() }, assetsExtra: ["extra/vocab.txt": asset.path])
        let second = try estimator.exportSavedmodel(exportDirBase: exportBase, servingInputReceiverFn: { ServingInputReceiver(featureKey: "points", dimension: 2) })
        let third = try estimator.experimentalExportAllSavedModels(exportDirBase: exportBase, inputReceiverFnMap: [.train: { ServingInputReceiver() }, .eval: { ServingInputReceiver() }, .predict: { ServingInputReceiver() }])
        #expect(Set([first, second, third]).count == 3)
        let names = try FileManager.default.contentsOfDirectory(atPath: exportBase).sorted()
        #expect(names.count == 3 && names.allSatisfy { Int($0) != nil })  // timestamped, no temp dirs left

        let centers = try estimator.variableValue("clusters")
        for export in [first, second, third] {
            let reader = try TensorBundleReader(prefix: URL(fileURLWithPath: export + "/variables/variables"))
            #expect(try reader.tensor(named: "clusters") == centers)
            // `tf.train.load_variable(<export>/variables, …)` goes through this state file.
            #expect(try ModelDirectory(url: URL(fileURLWithPath: export + "/variables")).latestCheckpoint()?.name == "variables")
            let manifest = try JSONDecoder().decode(ExportManifest.self, from: Data(contentsOf: URL(fileURLWithPath: export + "/kmeans_export.json")))
            #expect(manifest.distanceMetric == "cosine" && manifest.numClusters == 3 && manifest.dimension == 2 && manifest.globalStep == 3)
            let infer = try #require(manifest.modes["infer"])
            #expect(Set(infer.signatures.keys) == ["serving_default", "cluster_index", "all_distances"])
            #expect(infer.signatures["serving_default"]?.outputs["output"] == ExportManifest.TensorSpec(dtype: "int64", shape: [-1]))
            #expect(infer.signatures["all_distances"]?.outputs["output"] == ExportManifest.TensorSpec(dtype: "float32", shape: [-1, 3]))
        }
        #expect(try String(contentsOfFile: first + "/assets.extra/extra/vocab.txt", encoding: .utf8) == "a\nb\n")
        let all = try JSONDecoder().decode(ExportManifest.self, from: Data(contentsOf: URL(fileURLWithPath: third + "/kmeans_export.json")))
        #expect(Set(all.modes.keys) == ["train", "eval", "infer"])
        #expect(throws: KMeansError.self) {
            try estimator.exportSavedModel(exportDirBase: exportBase, servingInputReceiverFn: { ServingInputReceiver(dimension: 5) })
        }
        #expect(throws: KMeansError.self) {
            try estimator.exportSavedModel(exportDirBase: exportBase, servingInputReceiverFn: { ServingInputReceiver() }, assetsExtra: ["../x": asset.path])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: exportBase).count == 3)
    }

    @Test func exportOfAnOlderCheckpointAndStorePaths() throws {
        let modelDir = try temporaryModelDir()
        let c = ResumeCase(useMiniBatch: true, stepsPerIteration: 1, metric: .squaredEuclidean)
        let estimator = try estimator(c, modelDir: modelDir, config: RunConfig(saveCheckpointsSteps: 2, keepCheckpointMax: 3))
        let points = blobPoints()
        try estimator.train(input: .sequence((0..<6).map { rows(points, $0 * 10..<($0 + 1) * 10) }), steps: 6)
        let store = DiskCheckpointStore(modelDir: modelDir, keepCheckpointMax: 3)
        #expect(try store.allCheckpointPaths() == ["2", "4", "6"].map { modelDir + "/model.ckpt-" + $0 })
        #expect(try store.latestCheckpointPath() == modelDir + "/model.ckpt-6")
        #expect(throws: CheckpointStoreError.notFound("model.ckpt-0")) { try store.load("model.ckpt-0") }  // retained: 2, 4, 6
        let older = try estimator.exportSavedModel(exportDirBase: modelDir + "/export", servingInputReceiverFn: { ServingInputReceiver() },
                                                   checkpointPath: modelDir + "/model.ckpt-4")
        let exported = try TensorBundleReader(prefix: URL(fileURLWithPath: older + "/variables/variables")).readAll()
        #expect(exported == (try store.load("model.ckpt-4")))
        #expect(exported["global_step"] == .int64(4))
        #expect(exported["Variable"] != nil)
    }
}
