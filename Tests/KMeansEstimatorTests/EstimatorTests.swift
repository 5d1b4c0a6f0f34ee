import Foundation
import Testing
import TFFormats
@testable import KMeansEstimator

/// The estimator's TF semantics: steps, checkpoints, hooks, evaluate/predict/transform, against `edge_cases.json`
/// and `full_batch_explicit.json`.
@Suite("KMeansClustering estimator")
struct EstimatorTests {
    let points: Matrix
    let edges: [String: Any]

    init() throws {
        points = try inputPoints()
        edges = try loadFixture("edge_cases")
    }

    func fullBatch(_ config: RunConfig = RunConfig(), relativeTolerance: Double? = nil) throws -> KMeansClustering {
        try KMeansClustering(
            numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: false,
            relativeTolerance: relativeTolerance, config: config)
    }

    @Test("constants carry TF's exact strings")
    func constants() {
        #expect(KMeansClustering.ALL_DISTANCES == "all_distances")
        #expect(KMeansClustering.CLUSTER_CENTERS_VAR_NAME == "clusters")
        #expect(KMeansClustering.CLUSTER_INDEX == "cluster_index")
        #expect(KMeansClustering.COSINE_DISTANCE == "cosine")
        #expect(KMeansClustering.KMEANS_PLUS_PLUS_INIT == "kmeans_plus_plus")
        #expect(KMeansClustering.RANDOM_INIT == "random")
        #expect(KMeansClustering.SCORE == "score")
        #expect(KMeansClustering.SQUARED_EUCLIDEAN_DISTANCE == "squared_euclidean")
        #expect(DistanceMetric.cosine.rawValue == KMeansClustering.COSINE_DISTANCE)
        #expect(DistanceMetric.squaredEuclidean.rawValue == KMeansClustering.SQUARED_EUCLIDEAN_DISTANCE)
    }

    @Test("constructor validation names the argument (edge_cases constructor_validation)")
    func validation() throws {
        #expect(kmeansError { _ = try InitialClusters(tfName: "kmc2") } == .invalidArgument(argument: "initialClusters", reason: "Unsupported initialization algorithm 'kmc2'"))
        #expect(kmeansError { _ = try InitialClusters(tfName: "foo") } == .invalidArgument(argument: "initialClusters", reason: "Unsupported initialization algorithm 'foo'"))
        #expect(kmeansError { _ = try DistanceMetric(tfName: "euclidean") } == .invalidArgument(argument: "distanceMetric", reason: "Unsupported distance metric 'euclidean'"))
        #expect(try DistanceMetric(tfName: "cosine") == .cosine)
        #expect(try InitialClusters(tfName: "random").name == "random")
        guard case .invalidArgument(let argument, _)? = kmeansError({ _ = try KMeansClustering(numClusters: 0) }) else {
            Issue.record("numClusters = 0 must be rejected"); return
        }
        #expect(argument == "numClusters")
        guard case .invalidArgument(let argument2, _)? = kmeansError({ _ = try KMeansClustering(numClusters: 3, relativeTolerance: -1) }) else {
            Issue.record("negative tolerance must be rejected"); return
        }
        #expect(argument2 == "relativeTolerance")
        guard case .invalidArgument(let argument3, _)? = kmeansError({
            _ = try KMeansClustering(numClusters: 3, config: RunConfig(saveCheckpointsSteps: 10, saveCheckpointsSecs: 5))
        }) else { Issue.record("both checkpoint cadences must be rejected"); return }
        #expect(argument3 == "config.saveCheckpointsSteps")
    }

    @Test("an explicit matrix overrides numClusters")
    func explicitOverridesK() throws {
        let kmeans = try KMeansClustering(numClusters: 7, initialClusters: .matrix(points.rows(0..<3)), useMiniBatch: false)
        try kmeans.train(input: .wholeArray(points), steps: 1)
        let centers = try kmeans.clusterCenters()
        #expect(centers.rows == 3 && centers.columns == 2)
    }

    @Test("steps and max_steps semantics and errors (edge_cases steps_semantics)")
    func stepsSemantics() throws {
        let kmeans = try fullBatch()
        let input = InputFunction.wholeArray(points, epochs: nil)
        try kmeans.train(input: input, steps: 3)
        #expect(try kmeans.variableValue("global_step").int64Values == [3])
        try kmeans.train(input: input, steps: 2)
        #expect(try kmeans.variableValue("global_step").int64Values == [5])
        try kmeans.train(input: input, maxSteps: 4)
        #expect(try kmeans.variableValue("global_step").int64Values == [5])
        try kmeans.train(input: input, maxSteps: 7)
        #expect(try kmeans.variableValue("global_step").int64Values == [7])

        #expect(kmeansError { try kmeans.train(input: input, steps: 0) } == .invalidArgument(argument: "steps", reason: "Must specify steps > 0, given: 0"))
        #expect(kmeansError { try kmeans.train(input: input, maxSteps: 0) } == .invalidArgument(argument: "maxSteps", reason: "Must specify max_steps > 0, given: 0"))
        #expect(kmeansError { try kmeans.train(input: input, steps: 1, maxSteps: 10) } == .invalidArgument(argument: "steps", reason: "Can not provide both steps and max_steps."))
        #expect(kmeansError { _ = try kmeans.evaluate(input: input, steps: 0) } == .invalidArgument(argument: "steps", reason: "Must specify steps > 0, given: 0"))
    }

    @Test("training stops at the end of the input")
    func stopsAtEndOfInput() throws {
        let kmeans = try fullBatch()
        try kmeans.train(input: .wholeArray(points, epochs: 3))
        #expect(try kmeans.variableValue("global_step").int64Values == [3])
    }

    @Test("ten train() calls reproduce TF's final predict, transform and evaluate (full_batch_explicit)")
    func finalOutputs() throws {
        let fixture = try loadFixture("full_batch_explicit")
        let kmeans = try fullBatch()
        let input = InputFunction.wholeArray(points)
        for _ in 0..<10 { try kmeans.train(input: input) }
        let evaluation = try kmeans.evaluate(input: input)
        let expected = try #require(fixture["final_evaluate"] as? [String: Any])
        #expect(evaluation.globalStep == 10)
        #expect(isClose(evaluation.loss, try float(expected["loss"])))
        #expect(evaluation.score == evaluation.loss)
        #expect(isClose(try kmeans.score(input: input), try float(fixture["score_after_last_step_model"])))
        #expect(try kmeans.predictClusterIndex(input: input).map { Int($0) } == (try ints(fixture["final_cluster_index"])))
        let transform = try kmeans.transform(input: input)
        let expectedTransform = try matrix(fixture["final_transform"])
        #expect(transform.rows == 100 && transform.columns == 5)
        for (ours, theirs) in zip(transform.values, expectedTransform.values) where theirs.isFinite {
            #expect(isClose(ours, theirs, relative: 1e-4, absolute: 1e-2))
        }
        #expect(transform.values.allSatisfy { $0.isFinite && $0 >= 0 })
        let predictions = try kmeans.predict(input: input)
        #expect(predictions.count == 100)
        #expect(predictions[0].allDistances?.shape == [5])
        #expect(predictions[0].clusterIndex?.shape == [])
        #expect(try kmeans.variableNames() == (fixture["variable_names"] as? [String]))
    }

    @Test("predict keys filter outputs; whole batches when not yielding single examples")
    func predictOptions() throws {
        let kmeans = try fullBatch()
        try kmeans.train(input: .wholeArray(points), steps: 1)
        let onlyIndex = try kmeans.predict(input: .batches(points, batchSize: 30), predictKeys: [KMeansClustering.CLUSTER_INDEX])
        #expect(onlyIndex.count == 100)
        #expect(onlyIndex.allSatisfy { $0.allDistances == nil && $0.clusterIndex != nil })
        let batches = try kmeans.predict(input: .batches(points, batchSize: 30), yieldSingleExamples: false)
        #expect(batches.map { $0.allDistances?.shape ?? [] } == [[30, 5], [30, 5], [30, 5], [10, 5]])
        #expect(batches.map { $0[KMeansClustering.CLUSTER_INDEX]?.shape ?? [] } == [[30], [30], [30], [10]])
        let single = onlyIndex.compactMap { $0.clusterIndex?.int64Values?.first }
        let batched = batches.flatMap { $0.clusterIndex?.int64Values ?? [] }
        #expect(single == batched)
        guard case .invalidArgument(let argument, _)? = kmeansError({ _ = try kmeans.predict(input: .wholeArray(points), predictKeys: ["centres"]) }) else {
            Issue.record("unknown predict key must be rejected"); return
        }
        #expect(argument == "predictKeys")
    }

    @Test("evaluate is the mean of per-batch sums; score uses the first batch only (edge_cases evaluate_multi_batch)")
    func evaluateMultiBatch() throws {
        let fixture = try #require(edges["evaluate_multi_batch"] as? [String: Any])
        let perBatch = try #require(fixture["per_batch_sse_model"] as? [Any]).map { try float($0) }
        let kmeans = try fullBatch()
        try kmeans.train(input: .wholeArray(points), steps: 1)
        let halves = InputFunction.batches(points, batchSize: 50)
        let evaluation = try kmeans.evaluate(input: halves)
        let expected = try #require(fixture["evaluate(steps=None, batches of 50)"] as? [String: Any])
        #expect(isClose(evaluation.loss, try float(expected["loss"]), relative: 1e-6))
        #expect(evaluation.globalStep == 1)
        #expect(isClose(try kmeans.score(input: halves), perBatch[0], relative: 1e-6))
        #expect(isClose(try kmeans.score(input: halves), try float(fixture["score(first batch only)"]), relative: 1e-6))
        #expect(evaluation.metrics["global_step"] == 1)
    }

    @Test("relative tolerance stops where TF stopped (edge_cases relative_tolerance_1e-4)")
    func relativeTolerance() throws {
        let fixture = try #require(edges["relative_tolerance_1e-4"] as? [String: Any])
        let kmeans = try fullBatch(relativeTolerance: 1e-4)
        let hook = RecordingHook()
        try kmeans.train(input: .wholeArray(points, epochs: nil), hooks: [hook])
        #expect(try kmeans.variableValue("global_step").int64Values == [Int64(try ints([fixture["tf_global_step_at_stop"]!])[0])])
        let expectedLosses = try #require(fixture["model_losses"] as? [Any]).map { try float($0) }
        #expect(hook.losses.count == expectedLosses.count)
        for (ours, theirs) in zip(hook.losses, expectedLosses) { #expect(isClose(ours, theirs, relative: 1e-6)) }
        #expect(maxRelativeDifference(try kmeans.clusterCenters(), try matrix(fixture["tf_centers"])) <= 1e-5)
    }

    @Test("checkpoint variables and ckpt-0 per mode (edge_cases checkpoints)")
    func checkpointVariables() throws {
        let checkpoints = try #require(edges["checkpoints"] as? [String: Any])
        let modes: [(String, Bool, Int)] = [("full_batch", false, 1), ("mini_batch_M1", true, 1), ("mini_batch_M4", true, 4)]
        for (key, miniBatch, m) in modes {
            let expected = try #require(checkpoints[key] as? [String: Any])
            let kmeans = try KMeansClustering(
                numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: miniBatch,
                miniBatchStepsPerIteration: m)
            try kmeans.train(input: .wholeArray(points), steps: 1)
            let variables = try #require(expected["variables"] as? [[Any]])
            #expect(try kmeans.variableNames() == variables.map { $0[0] as? String ?? "" }, "\(key)")
            for variable in variables {
                let name = try #require(variable[0] as? String)
                #expect(try kmeans.variableValue(name).shape == (try ints(variable[1])), "\(key) \(name)")
            }
            #expect(try kmeans.checkpointStore.allCheckpointPaths() == ["model.ckpt-0", "model.ckpt-1"], "\(key)")
            let zero = try kmeans.checkpointStore.load("model.ckpt-0")
            let zeroValues = try #require(expected["ckpt-0_values"] as? [String: Any])
            #expect(zero.keys.sorted() == zeroValues.keys.sorted(), "\(key)")
            #expect(zero["initialized"] == .bool(false))
            #expect(zero["global_step"] == .int64(0))
            #expect(zero["clusters"] == Tensor(shape: [0], values: .float([])))
            if let counts = zeroValues["Variable"] {
                #expect(zero["Variable"]?.int64Values == (try ints(counts)).map { Int64($0) }, "\(key)")
            }
            if let steps = zeroValues["update_in_steps"] {
                #expect(zero["update_in_steps"] == .int64(Int64(try ints([steps])[0])))
                #expect(zero["clusters_updated"] == Tensor(shape: [0], values: .float([])))
            }
        }
    }

    @Test("no checkpoint: centres, score and variables report a missing trained model")
    func untrained() throws {
        let kmeans = try fullBatch()
        #expect(try kmeans.latestCheckpoint() == nil)
        for body in [{ _ = try kmeans.clusterCenters() }, { _ = try kmeans.score(input: .wholeArray(self.points)) }, { _ = try kmeans.variableNames() }] {
            guard case .noTrainedModel? = kmeansError(body) else { Issue.record("expected noTrainedModel"); continue }
        }
    }

    @Test("checkpoint cadence, listeners, keep-max, restore of a chosen checkpoint")
    func checkpointCadence() throws {
        let kmeans = try fullBatch(RunConfig(saveCheckpointsSteps: 2, keepCheckpointMax: 3))
        let listener = RecordingListener()
        try kmeans.train(input: .wholeArray(points, epochs: nil), steps: 5, savingListeners: [listener])
        #expect(listener.events == [
            "begin", "beforeSave@0", "afterSave@0:model.ckpt-0", "beforeSave@2", "afterSave@2:model.ckpt-2",
            "beforeSave@4", "afterSave@4:model.ckpt-4", "beforeSave@5", "afterSave@5:model.ckpt-5", "end@5",
        ])
        #expect(try kmeans.checkpointStore.allCheckpointPaths() == ["model.ckpt-2", "model.ckpt-4", "model.ckpt-5"])
        #expect(try kmeans.latestCheckpoint() == "model.ckpt-5")
        let atTwo = try kmeans.evaluate(input: .wholeArray(points), checkpointPath: "model.ckpt-2")
        let latest = try kmeans.evaluate(input: .wholeArray(points))
        #expect(atTwo.globalStep == 2 && latest.globalStep == 5)
        #expect(atTwo.loss >= latest.loss)

        let stopping = try fullBatch(RunConfig(saveCheckpointsSteps: 1))
        try stopping.train(input: .wholeArray(points, epochs: nil), steps: 10, savingListeners: [RecordingListener(stopAtSavedStep: 3)])
        #expect(try stopping.variableValue("global_step").int64Values == [3])
    }

    @Test("hooks see begin, each step with its loss, and end; a hook can stop training")
    func hooks() throws {
        let kmeans = try fullBatch()
        let hook = RecordingHook(stopAfterStep: 2)
        try kmeans.train(input: .wholeArray(points, epochs: nil), hooks: [hook], steps: 10)
        #expect(hook.events == ["begin@0", "before@0", "after@1", "before@1", "after@2", "end@2"])
        #expect(hook.losses.count == 2 && hook.losses[0] > hook.losses[1])
    }

    @Test("training summaries every saveSummarySteps; evaluation writes loss and score under its name")
    func summaries() throws {
        let kmeans = try fullBatch(RunConfig(saveSummarySteps: 2))
        try kmeans.train(input: .wholeArray(points, epochs: nil), steps: 5)
        _ = try kmeans.evaluate(input: .wholeArray(points), name: "holdout")
        let sink = try #require(kmeans.summarySink as? InMemorySummarySink)
        let training = sink.scalars.filter { $0.directory == .training }
        #expect(training.map(\.tag) == ["loss", "loss/raw", "loss", "loss/raw"])
        #expect(training.map(\.step) == [2, 2, 4, 4])
        let evaluation = sink.scalars.filter { $0.directory == .evaluation(name: "holdout") }
        #expect(evaluation.map(\.tag) == ["loss", "score"])
        #expect(evaluation.allSatisfy { $0.step == 5 })
    }

    @Test("named columns are concatenated in sorted key order; feature columns select (TF test_parse_features)")
    func parseFeatures() throws {
        let xs = Matrix(rows: 100, columns: 1, values: (0..<100).map { points[$0, 0] })
        let ys = Matrix(rows: 100, columns: 1, values: (0..<100).map { points[$0, 1] })
        let byMatrix = try fullBatch()
        try byMatrix.train(input: .wholeArray(points), steps: 1)
        let byColumns = try fullBatch()
        try byColumns.train(input: .columns(["y": ys, "x": xs]), steps: 1)
        #expect(try byColumns.clusterCenters() == (try byMatrix.clusterCenters()))
        let selected = try KMeansClustering(
            numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), useMiniBatch: false,
            featureColumns: [NumericColumn("y"), NumericColumn("x")])
        let noise = Matrix(rows: 100, columns: 3, repeating: 7)
        try selected.train(input: .columns(["x": xs, "y": ys, "baz": noise]), steps: 1)
        #expect(try selected.clusterCenters() == (try byMatrix.clusterCenters()))
        #expect(try selected.predictClusterIndex(input: .columns(["x": xs, "y": ys, "baz": noise])) == (try byMatrix.predictClusterIndex(input: .wholeArray(points))))
        guard case .invalidInput? = kmeansError({ try selected.train(input: .columns(["x": xs]), steps: 1) }) else {
            Issue.record("a missing feature column must be reported"); return
        }
    }

    @Test("labels are ignored")
    func labelsIgnored() throws {
        let kmeans = try fullBatch()
        let labelled = InputFunction { BatchStream([InputBatch(features: .matrix(self.points), labels: Matrix(rows: 100, columns: 1))]) }
        try kmeans.train(input: labelled, steps: 1)
        let plain = try fullBatch()
        try plain.train(input: .wholeArray(points), steps: 1)
        #expect(try kmeans.clusterCenters() == (try plain.clusterCenters()))
    }

    @Test("mini-batch M > 1: cluster_centers() keeps the initial centres for the first M steps")
    func frozenCentersForMSteps() throws {
        let initial = points.rows(0..<5)
        let kmeans = try KMeansClustering(numClusters: 5, initialClusters: .matrix(initial), miniBatchStepsPerIteration: 4)
        let input = InputFunction.batches(points, batchSize: 20, epochs: nil)
        try kmeans.train(input: input, steps: 4)
        #expect(try kmeans.clusterCenters() == initial)
        #expect(try kmeans.variableValue("update_in_steps") == .int64(0))
        try kmeans.train(input: input, steps: 1)
        #expect(try kmeans.clusterCenters() != initial)
        #expect(try kmeans.variableValue("update_in_steps") == .int64(3))
    }

    @Test("several train(steps: 1) calls equal one train(steps: n) on the same batches (mini-batch resume)")
    func resumeEquivalence() throws {
        func make() throws -> KMeansClustering {
            try KMeansClustering(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), miniBatchStepsPerIteration: 3)
        }
        let batches = (0..<7).map { points.rows(($0 * 20 % 100)..<($0 * 20 % 100 + 20)) }
        let stepwise = try make()
        for batch in batches { try stepwise.train(input: .sequence([batch]), steps: 1) }
        let atOnce = try make()
        try atOnce.train(input: .sequence(batches), steps: 7)
        for name in try atOnce.variableNames() {
            #expect(try stepwise.variableValue(name) == (try atOnce.variableValue(name)), "\(name)")
        }
    }

    @Test("a point equal to a centre: raw distance near 0 (may be negative), transform 0 and never NaN (edge_cases point_equal_to_centre)")
    func pointEqualToCenter() throws {
        let fixture = try #require(edges["point_equal_to_centre"] as? [String: Any])
        let kmeans = try KMeansClustering(numClusters: 100, initialClusters: .matrix(points), miniBatchStepsPerIteration: 1000)
        try kmeans.train(input: .wholeArray(points), steps: 1)
        #expect(try kmeans.clusterCenters() == points)
        let raw = try kmeans.predict(input: .wholeArray(points)).map { try #require($0.allDistances?.floatValues) }
        let tfDiagonal = try #require(fixture["diag_all_distances_raw"] as? [Any]).map { try float($0) }
        for i in 0..<100 {
            #expect(abs(raw[i][i]) <= 0.5, "raw diagonal \(raw[i][i])")
            #expect(abs(tfDiagonal[i]) <= 0.5)
        }
        let transform = try kmeans.transform(input: .wholeArray(points))
        #expect(transform.values.allSatisfy { $0.isFinite && $0 >= 0 })
        for i in 0..<100 { #expect(transform[i, i] <= 0.71) }
        // TF's NearestNeighbors gives exactly 0; our kernels' fused multiply-add chain leaves float32 rounding noise,
        // far below one ulp of ‖x‖² summed over the points.
        let score = try kmeans.score(input: .wholeArray(points))
        #expect(try float(fixture["score"]) == 0)
        let sumOfSquaredNorms = points.values.reduce(Float(0)) { $0 + $1 * $1 }
        #expect(abs(score) <= 1e-6 * sumOfSquaredNorms, "score \(score)")
        #expect(try kmeans.predictClusterIndex(input: .wholeArray(points)) == (0..<100).map { Int64($0) })
    }

    @Test("cosine transform is 1 − cos, unchanged (no square root)")
    func cosineTransform() throws {
        let kmeans = try KMeansClustering(numClusters: 3, initialClusters: .matrix(points.rows(0..<3)), distanceMetric: .cosine, useMiniBatch: false)
        try kmeans.train(input: .wholeArray(points), steps: 2)
        let centers = try kmeans.clusterCenters()
        let transform = try kmeans.transform(input: .wholeArray(points))
        let unit = points.l2NormalizedRows()
        for i in 0..<100 {
            for j in 0..<3 {
                let cosine = unit[i, 0] * centers[j, 0] + unit[i, 1] * centers[j, 1]
                #expect(abs(transform[i, j] - (1 - cosine)) <= 1e-6)
            }
        }
    }

    @Test("evaluate and predict run hooks per batch; a hook can end evaluation early")
    func inferenceHooks() throws {
        let kmeans = try fullBatch()
        try kmeans.train(input: .wholeArray(points), steps: 1)
        let hook = RecordingHook(stopAfterStep: 0)
        let evaluation = try kmeans.evaluate(input: .batches(points, batchSize: 25), hooks: [hook])
        #expect(hook.events == ["begin@1", "before@1", "after@1", "end@1"])
        #expect(isClose(evaluation.loss, try kmeans.score(input: .batches(points, batchSize: 25)), relative: 0))
        let predictHook = RecordingHook()
        #expect(try kmeans.predict(input: .batches(points, batchSize: 25), hooks: [predictHook]).count == 100)
        #expect(predictHook.losses.count == 4)
    }

    @Test("k-means++ with randomSeed 42 through the estimator: TF's centres after each of 10 train() calls")
    func kmeansPlusPlusThroughEstimator() throws {
        let fixture = try loadFixture("full_batch_kmeanspp")
        let kmeans = try KMeansClustering(numClusters: 5, initialClusters: .kmeansPlusPlus, randomSeed: 42, useMiniBatch: false)
        let iterations = try #require(fixture["iterations"] as? [[String: Any]])
        for (t, iteration) in iterations.enumerated() {
            try kmeans.train(input: .wholeArray(points))
            #expect(maxRelativeDifference(try kmeans.clusterCenters(), try matrix(iteration["centers"])) <= 1e-5, "step \(t + 1)")
            #expect(isClose(try kmeans.score(input: .wholeArray(points)), try float(iteration["score"]), relative: 1e-5))
        }
        let evaluation = try kmeans.evaluate(input: .wholeArray(points))
        #expect(evaluation.globalStep == 10)
        #expect(try kmeans.predictClusterIndex(input: .wholeArray(points)).map { Int($0) } == (try ints(fixture["final_cluster_index"])))
    }

    @Test("the seed example with a one-epoch input: every train() initializes or restores, then takes one step")
    func seedExampleSemantics() throws {
        let kmeans = try KMeansClustering(numClusters: 5, randomSeed: 1, useMiniBatch: false)
        let input = InputFunction.wholeArray(points, epochs: 1)
        try kmeans.train(input: input)
        // Deliberate difference: TF's first call only initializes (global_step 1, centres = the init rows).
        let model = kmeans.modelFunction
        let expected = try model.trainStep(try model.initialize(model.initialState(), batch: points), batch: points).state
        #expect(try kmeans.clusterCenters() == expected.clusters)
        #expect(try kmeans.variableValue("global_step") == .int64(1))
        var scores: [Float] = []
        for _ in 1..<10 {
            try kmeans.train(input: input)
            scores.append(try kmeans.score(input: input))
        }
        #expect(try kmeans.variableValue("global_step") == .int64(10))
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $1 <= $0 }, "full-batch scores never increase: \(scores)")
    }

    @Test("time-based checkpoints, keep-all, no summaries, and the progress log")
    func cadenceOptions() throws {
        let lines = LockedLines()
        let config = RunConfig(saveCheckpointsSecs: 1e-9, saveSummarySteps: nil, keepCheckpointMax: 0, logStepCountSteps: 2, log: { lines.append($0) })
        let kmeans = try fullBatch(config)
        try kmeans.train(input: .wholeArray(points, epochs: nil), steps: 4)
        #expect(try kmeans.checkpointStore.allCheckpointPaths() == (0...4).map { "model.ckpt-\($0)" })
        #expect((kmeans.summarySink as? InMemorySummarySink)?.scalars.isEmpty == true)
        #expect(lines.values.filter { $0.hasPrefix("loss = ") }.count == 2)
    }
}

/// Collects log lines from the `@Sendable` log callback.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
