import Foundation
import KMeansCore
import TFFormats
import Testing
@testable import KMeansEstimator

/// The SavedModel and ONNX exports: golden bytes against TensorFlow's and onnx's own serializers, and
/// decode-what-we-wrote round trips.
@Suite struct ServingExportTests {
    static var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    static func temporaryDirectory(_ label: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serving-tests-\(label.filter { $0.isLetter })-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func points(seed: UInt64, count: Int = 90, dimension: Int) -> Matrix {
        var random = SplitMix64(seed: seed)
        var values: [Float] = []
        for row in 0..<count {
            let center = Float(row % 3) * 6
            for _ in 0..<dimension { values.append(center + Float(random.nextUnit()) - 0.5 + 1) }
        }
        return Matrix(rows: count, columns: dimension, values: values)
    }

    static func trained(_ metric: DistanceMetric, dimension: Int = 2) throws -> KMeansClustering {
        let modelDir = try temporaryDirectory("model\(metric.rawValue)").path
        let estimator = try KMeansClustering(numClusters: 3, modelDir: modelDir, initialClusters: .kmeansPlusPlus, distanceMetric: metric,
                                             randomSeed: 3, useMiniBatch: false)
        try estimator.train(input: .wholeArray(points(seed: 5, dimension: dimension), epochs: nil), steps: 4)
        return estimator
    }

    @Test("the squared-Euclidean serve graph and saver are TF's hand-written resource-variable graph, node for node")
    func graphMatchesTensorFlowFixture() throws {
        let url = Self.fixtures.appendingPathComponent("tf-savedmodel/hand_resvar_sqeuclid.pb")
        let reference = try SavedModelDocument.decode(Array(try Data(contentsOf: url)), path: url.path).metaGraphs[0]
        let ours = try ServingGraph.document(metric: .squaredEuclidean, numClusters: 3, dimension: 2, featureKey: "x").metaGraphs[0]
        #expect(ours.graph == reference.graph)
        #expect(ours.saver == reference.saver)
        #expect(ours.tags == reference.tags)
        for key in ["cluster_index", "all_distances"] { #expect(ours.signatures[key] == reference.signatures[key]) }
        #expect(ours.signatures["serving_default"]?.outputs.keys.sorted() == ["output"])
        #expect(ours.signatures["predict"]?.outputs.keys.sorted() == ["all_distances", "cluster_index"])
    }

    @Test("an export's saved_model.pb reads back with the trained centres, metric, input and signatures", arguments: DistanceMetric.allCases)
    func exportRoundTrip(metric: DistanceMetric) throws {
        let estimator = try Self.trained(metric, dimension: 3)
        let base = try Self.temporaryDirectory().path
        let export = try estimator.exportSavedModel(exportDirBase: base, servingInputReceiverFn: { ServingInputReceiver(featureKey: "points") })
        let summary = try SavedModelReader.read(directory: URL(fileURLWithPath: export))
        let centers = try estimator.clusterCenters()
        #expect(summary.centers == Array(centers.values))
        #expect((summary.numClusters, summary.numFeatures) == (3, 3))
        #expect(summary.distanceMetric == metric.rawValue)
        #expect(summary.featureKey == "points")
        #expect(summary.tagSets == [["serve"]])
        #expect(summary.signatures.map(\.key) == ["all_distances", "cluster_index", "predict", "serving_default"])
        let serving = try #require(summary.signatures.first { $0.key == "serving_default" }?.signature)
        #expect(serving.inputs["points"] == SignatureTensor(name: "points:0", dataType: GraphDataType.float, shape: GraphShape([-1, 3])))
        #expect(serving.outputs["output"] == SignatureTensor(name: "cluster_index:0", dataType: GraphDataType.int64, shape: GraphShape([-1])))
        #expect(summary.opTypes.contains("BatchMatMulV2"))
        #expect(summary.opTypes.contains("Rsqrt") == (metric == .cosine))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: export).appendingPathComponent("saved_model.pb"))
        #expect(try SavedModelDocument.decode(Array(bytes), path: "export").serialized() == Array(bytes))
    }

    @Test("a feature key that cannot name a graph node is refused before anything is written")
    func badFeatureKey() throws {
        let estimator = try Self.trained(.squaredEuclidean)
        let base = try Self.temporaryDirectory().path
        for key in ["^x", "two words", "all_distances", "clusters"] {
            #expect(throws: KMeansError.self) { try estimator.exportSavedModel(exportDirBase: base, servingInputReceiverFn: { ServingInputReceiver(featureKey: key) }) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base).isEmpty)
    }

    @Test("the ONNX scorer is byte-identical to the same graph built with onnx.helper (onnx 1.23)", arguments: DistanceMetric.allCases)
    func onnxGoldenBytes(metric: DistanceMetric) throws {
        let centers = Matrix(rows: 3, columns: 2, values: [0.5, -1.0, 2.0, 3.25, -4.0, 0.125])
        let reference = try Data(contentsOf: Self.fixtures.appendingPathComponent("onnx/kmeans_\(metric.rawValue).onnx"))
        #expect(ONNXScorer.model(centers: centers, metric: metric, featureKey: "X").serialized() == Array(reference))
    }

    @Test("exportONNX writes the trained centres' scorer")
    func exportONNXWritesModel() throws {
        let estimator = try Self.trained(.cosine)
        let path = try Self.temporaryDirectory().appendingPathComponent("model.onnx").path
        #expect(try estimator.exportONNX(to: path) == path)
        let expected = ONNXScorer.model(centers: try estimator.clusterCenters(), metric: .cosine, featureKey: "X").serialized()
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        #expect(throws: KMeansError.self) { try estimator.exportONNX(to: path, featureKey: "label") }
    }
}
