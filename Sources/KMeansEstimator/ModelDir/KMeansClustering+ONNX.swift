import Foundation
import KMeansCore
import TFFormats

extension KMeansClustering {
    /// Writes the trained centres as an ONNX model (opset 13) to `path` and returns the path.
    ///
    /// The graph is skl2onnx's KMeans scorer: input `featureKey` float32 `[N, d]`; outputs `label` (int64 `[N]`,
    /// the nearest centre) and `scores` (float32 `[N, k]`: Euclidean distances, scikit-learn's `transform`; for
    /// cosine, 1 − cos), plus `all_distances` (float32 `[N, k]`, TF's raw distances: squared Euclidean or 1 − cos).
    @discardableResult
    public func exportONNX(to path: String, featureKey: String = "X", checkpointPath: String? = nil) throws -> String {
        guard let (checkpoint, _, state) = try restoreCheckpoint(checkpointPath: checkpointPath) else {
            throw KMeansError.noTrainedModel("Couldn't find trained model at \(modelDir ?? "(in memory)").")
        }
        guard state.initialized, state.clusters.rows > 0 else {
            throw KMeansError.notInitialized("the checkpoint '\(checkpoint)' holds no trained centres; train first")
        }
        guard !featureKey.isEmpty, !ONNXScorer.internalNames.contains(featureKey) else {
            throw KMeansError.invalidArgument(argument: "featureKey", reason: "'\(featureKey)' cannot name the ONNX input (it is empty or a name the graph uses)")
        }
        let model = ONNXScorer.model(centers: state.clusters, metric: params.distanceMetric, featureKey: featureKey)
        try exportFileOperation(path) { try Data(model.serialized()).write(to: URL(fileURLWithPath: path), options: .atomic) }
        return path
    }
}

/// The ONNX graph of a K-Means scorer (skl2onnx's KMeans converter: `ReduceSumSquare`, `Gemm`, `ArgMin`, `Sqrt`).
enum ONNXScorer {
    static let internalNames: Set<String> = [
        "centers", "x_sq_sum", "c_sq_sum", "neg_two_x_dot_c_plus_c_sq", "all_distances", "label", "scores", "clamped",
        "eps", "one", "x_sq_sum_max", "x_norm", "x_normalized",
    ]

    static func model(centers: Matrix, metric: DistanceMetric, featureKey: String) -> ONNXModel {
        let k = Int64(centers.rows)
        let d = Int64(centers.columns)
        var initializers = [ONNXModel.Initializer(name: "centers", dimensions: [k, d], values: Array(centers.values))]
        typealias Node = ONNXModel.Node
        var nodes: [Node] = [
            Node("ReduceSumSquare", [featureKey], ["x_sq_sum"], name: "x_sq_sum", attributes: ["axes": .ints([1]), "keepdims": .int(1)]),
        ]
        switch metric {
        case .squaredEuclidean:
            nodes += [
                Node("ReduceSumSquare", ["centers"], ["c_sq_sum"], name: "c_sq_sum", attributes: ["axes": .ints([1]), "keepdims": .int(0)]),
                Node("Gemm", [featureKey, "centers", "c_sq_sum"], ["neg_two_x_dot_c_plus_c_sq"], name: "gemm",
                     attributes: ["alpha": .float(-2), "beta": .float(1), "transB": .int(1)]),
                Node("Add", ["x_sq_sum", "neg_two_x_dot_c_plus_c_sq"], ["all_distances"], name: "all_distances"),
                Node("Relu", ["all_distances"], ["clamped"], name: "clamped"),
                Node("Sqrt", ["clamped"], ["scores"], name: "scores"),
            ]
        case .cosine:
            initializers += [
                ONNXModel.Initializer(name: "eps", dimensions: [], values: [1e-12]),
                ONNXModel.Initializer(name: "one", dimensions: [1], values: [1]),
            ]
            nodes += [
                Node("Max", ["x_sq_sum", "eps"], ["x_sq_sum_max"], name: "x_sq_sum_max"),
                Node("Sqrt", ["x_sq_sum_max"], ["x_norm"], name: "x_norm"),
                Node("Div", [featureKey, "x_norm"], ["x_normalized"], name: "x_normalized"),
                Node("Gemm", ["x_normalized", "centers", "one"], ["all_distances"], name: "gemm",
                     attributes: ["alpha": .float(-1), "beta": .float(1), "transB": .int(1)]),
                Node("Identity", ["all_distances"], ["scores"], name: "scores"),
            ]
        }
        nodes.append(Node("ArgMin", ["all_distances"], ["label"], name: "label", attributes: ["axis": .int(1), "keepdims": .int(0)]))
        return ONNXModel(
            irVersion: 7, opset: 13, producerName: "kmeans-swift", graphName: "kmeans_\(metric.rawValue)", nodes: nodes,
            initializers: initializers,
            inputs: [ONNXModel.Value(name: featureKey, elementType: ONNXModel.ElementType.float, dimensions: [nil, d])],
            outputs: [
                ONNXModel.Value(name: "label", elementType: ONNXModel.ElementType.int64, dimensions: [nil]),
                ONNXModel.Value(name: "scores", elementType: ONNXModel.ElementType.float, dimensions: [nil, k]),
                ONNXModel.Value(name: "all_distances", elementType: ONNXModel.ElementType.float, dimensions: [nil, k]),
            ])
    }
}
