import KMeansCore
import TFFormats

/// The TF1-style `serve` graph of an export: TF's KMeans distances over a `clusters` resource variable restored
/// from `variables/` through a saver, and TF's signatures (`serving_default`, `cluster_index`, `all_distances`,
/// each under the output key `output`) plus `predict` with both outputs named.
///
/// Squared Euclidean: ‖x‖² − 2·x·Cᵀ + ‖c‖² with `BatchMatMulV2(adj_y)`, the ops and order of TF's
/// `_compute_euclidean_distance`; cosine: 1 − x̂·Cᵀ with x̂ = x·rsqrt(max(‖x‖², 1e-12)) (TF's `l2_normalize`)
/// against the stored, already normalised centres. `cluster_index` is `ArgMin` over the distances.
enum ServingGraph {
    /// Names of the graph's tensors that signatures point at.
    static let clusterIndexTensor = "cluster_index:0"
    static let allDistancesTensor = "all_distances:0"

    /// The SavedModel for `k × d` centres under `metric`, fed through a placeholder named `featureKey`.
    static func document(metric: DistanceMetric, numClusters k: Int, dimension d: Int, featureKey: String) throws -> SavedModelDocument {
        var nodes = variableNodes(k: k, d: d)
        guard isValidNodeName(featureKey), !nodes.contains(where: { $0.name == featureKey }), !computeNodeNames.contains(featureKey) else {
            throw KMeansError.invalidArgument(argument: "servingInputReceiverFn",
                                              reason: "feature key '\(featureKey)' cannot name the graph's input (use letters, digits and _ . - /, not a name the graph uses)")
        }
        nodes.insert(GraphNode(name: featureKey, op: "Placeholder", attributes: ["dtype": float, "shape": .shape(GraphShape([-1, Int64(d)]))]), at: 0)
        nodes += distanceNodes(metric: metric, input: featureKey)
        nodes.append(GraphNode(name: "cluster_index", op: "ArgMin", inputs: ["all_distances", "axis1"], attributes: ["T": float]))

        let input = [featureKey: SignatureTensor(name: featureKey + ":0", dataType: GraphDataType.float, shape: GraphShape([-1, Int64(d)]))]
        let index = SignatureTensor(name: clusterIndexTensor, dataType: GraphDataType.int64, shape: GraphShape([-1]))
        let distances = SignatureTensor(name: allDistancesTensor, dataType: GraphDataType.float, shape: GraphShape([-1, Int64(k)]))
        let signatures: [String: SavedModelSignature] = [
            "serving_default": SavedModelSignature(inputs: input, outputs: ["output": index]),
            KMeansClustering.CLUSTER_INDEX: SavedModelSignature(inputs: input, outputs: ["output": index]),
            KMeansClustering.ALL_DISTANCES: SavedModelSignature(inputs: input, outputs: ["output": distances]),
            "predict": SavedModelSignature(inputs: input, outputs: [KMeansClustering.CLUSTER_INDEX: index, KMeansClustering.ALL_DISTANCES: distances]),
        ]
        let saver = SaverDefinition(filenameTensor: "save/Const:0", saveTensor: "save/Const:0", restoreOp: "save/restore_all")
        let meta = MetaGraph(tags: ["serve"], graph: GraphDefinition(nodes: nodes, producer: 0), saver: saver, signatures: signatures)
        return SavedModelDocument(metaGraphs: [meta])
    }

    private static let float = GraphAttr.type(GraphDataType.float)

    private static func constant(_ name: String, _ tensor: GraphTensor) -> GraphNode {
        GraphNode(name: name, op: "Const", attributes: ["dtype": .type(tensor.dataType), "value": .tensor(tensor)])
    }

    private static func strings(_ values: [String], shape: [Int64]) -> GraphTensor {
        var tensor = GraphTensor(dataType: GraphDataType.string, shape: shape)
        tensor.stringValues = values.map { Array($0.utf8) }
        return tensor
    }

    private static func scalar(_ value: Float) -> GraphTensor {
        var tensor = GraphTensor(dataType: GraphDataType.float, shape: [])
        tensor.floatValues = [value]
        return tensor
    }

    /// The `clusters` variable, its read, and the saver's restore path (`save/restore_all`).
    private static func variableNodes(k: Int, d: Int) -> [GraphNode] {
        var axis = GraphTensor(dataType: GraphDataType.int32, shape: [])
        axis.int32Values = [1]
        return [
            GraphNode(name: "clusters", op: "VarHandleOp", attributes: [
                "dtype": float, "shape": .shape(GraphShape([Int64(k), Int64(d)])), "shared_name": .string(Array("clusters".utf8)),
            ]),
            GraphNode(name: "clusters/read", op: "ReadVariableOp", inputs: ["clusters"], attributes: ["dtype": float]),
            constant("save/Const", strings(["model"], shape: [])),
            constant("save/RestoreV2/tensor_names", strings([KMeansState.VariableName.clusters], shape: [1])),
            constant("save/RestoreV2/shape_and_slices", strings([""], shape: [1])),
            GraphNode(name: "save/RestoreV2", op: "RestoreV2", inputs: ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"],
                      attributes: ["dtypes": .typeList([GraphDataType.float])]),
            GraphNode(name: "save/AssignVariableOp", op: "AssignVariableOp", inputs: ["clusters", "save/RestoreV2"], attributes: ["dtype": float]),
            GraphNode(name: "save/restore_all", op: "NoOp", inputs: ["^save/AssignVariableOp"]),
            constant("axis1", axis),
        ]
    }

    private static let computeNodeNames: Set<String> = [
        "x_sq", "x_sq_sum", "x_dot_c", "c_sq", "c_sq_sum", "two", "two_x_dot_c", "x_sq_minus", "eps", "x_sq_sum_max",
        "x_inv_norm", "x_normalized", "one", "all_distances", "cluster_index",
    ]

    private static func distanceNodes(metric: DistanceMetric, input: String) -> [GraphNode] {
        let sumRows: [String: GraphAttr] = ["T": float, "keep_dims": .bool(true)]
        var nodes = [
            GraphNode(name: "x_sq", op: "Square", inputs: [input], attributes: ["T": float]),
            GraphNode(name: "x_sq_sum", op: "Sum", inputs: ["x_sq", "axis1"], attributes: sumRows),
        ]
        let adjoint: [String: GraphAttr] = ["T": float, "adj_y": .bool(true)]
        switch metric {
        case .squaredEuclidean:
            nodes += [
                GraphNode(name: "x_dot_c", op: "BatchMatMulV2", inputs: [input, "clusters/read"], attributes: adjoint),
                GraphNode(name: "c_sq", op: "Square", inputs: ["clusters/read"], attributes: ["T": float]),
                GraphNode(name: "c_sq_sum", op: "Sum", inputs: ["c_sq", "axis1"], attributes: ["T": float]),
                constant("two", scalar(2)),
                GraphNode(name: "two_x_dot_c", op: "Mul", inputs: ["two", "x_dot_c"], attributes: ["T": float]),
                GraphNode(name: "x_sq_minus", op: "Sub", inputs: ["x_sq_sum", "two_x_dot_c"], attributes: ["T": float]),
                GraphNode(name: "all_distances", op: "AddV2", inputs: ["x_sq_minus", "c_sq_sum"], attributes: ["T": float]),
            ]
        case .cosine:
            nodes += [
                constant("eps", scalar(1e-12)),
                GraphNode(name: "x_sq_sum_max", op: "Maximum", inputs: ["x_sq_sum", "eps"], attributes: ["T": float]),
                GraphNode(name: "x_inv_norm", op: "Rsqrt", inputs: ["x_sq_sum_max"], attributes: ["T": float]),
                GraphNode(name: "x_normalized", op: "Mul", inputs: [input, "x_inv_norm"], attributes: ["T": float]),
                GraphNode(name: "x_dot_c", op: "BatchMatMulV2", inputs: ["x_normalized", "clusters/read"], attributes: adjoint),
                constant("one", scalar(1)),
                GraphNode(name: "all_distances", op: "Sub", inputs: ["one", "x_dot_c"], attributes: ["T": float]),
            ]
        }
        return nodes
    }

    /// TF's node name rule: `[A-Za-z0-9.][A-Za-z0-9_.\-/]*`.
    static func isValidNodeName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) }
        guard alphanumeric(first) || first == 0x2E else { return false }
        return bytes.dropFirst().allSatisfy { alphanumeric($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D || $0 == 0x2F }
    }
}
