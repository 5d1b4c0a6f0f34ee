import Foundation
import KMeansCore
import KMeansData
import TFFormats

/// `kmeans inspect` on a SavedModel export (ours or TensorFlow's): tags, signatures with their inputs and
/// outputs, the graph's size and op types, the metric and the centres, all from `SavedModelReader.read`.
enum SavedModelInspection {
    /// The report for the export in `url` (named `displayName`), in `format`.
    static func report(_ url: URL, displayName: String, format: OutputFormat) throws -> String {
        let summary = try SavedModelReader.read(directory: url)
        let centers = Matrix(rows: summary.numClusters, columns: summary.numFeatures, values: summary.centers)
        func tensorJSON(_ tensor: SignatureTensor) -> JSONValue {
            .object([("name", .string(tensor.name)), ("dtype", .string(GraphDataType.name(tensor.dataType))),
                     ("shape", tensor.shape?.dimensions.map { .array($0.map { .int($0) }) } ?? .null)])
        }
        func tensorsJSON(_ tensors: [String: SignatureTensor]) -> JSONValue {
            .object(tensors.keys.sorted().map { ($0, tensorJSON(tensors[$0]!)) })
        }
        switch format {
        case .json, .jsonl:
            let value = JSONValue.object([
                ("saved_model", .string(summary.directory)),
                ("tag_sets", .array(summary.tagSets.map { .array($0.map { .string($0) }) })),
                ("tensorflow_version", summary.tensorflowVersion.isEmpty ? .null : .string(summary.tensorflowVersion)),
                ("signatures", .object(summary.signatures.map { entry in
                    (entry.key, .object([("method_name", .string(entry.signature.methodName)), ("inputs", tensorsJSON(entry.signature.inputs)),
                                         ("outputs", tensorsJSON(entry.signature.outputs))]))
                })),
                ("node_count", .int(Int64(summary.nodeCount))), ("op_types", .array(summary.opTypes.map { .string($0) })),
                ("distance_metric", .string(summary.distanceMetric)), ("feature_key", .string(summary.featureKey)),
                ("num_clusters", .int(Int64(summary.numClusters))), ("num_features", .int(Int64(summary.numFeatures))),
                ("variables", summary.variablesPrefix.map { .string($0) } ?? .null),
                ("cluster_centers", .matrix(centers.nestedRows)),
            ])
            return (format == .json ? value.pretty : value.compact) + "\n"
        case .csv:
            return CSVWriter.format(centers, header: (0..<centers.columns).map { "f\($0)" })
        case .text:
            func describe(_ tensors: [String: SignatureTensor]) -> String {
                tensors.keys.sorted().map { key in
                    let tensor = tensors[key]!
                    return "\(sanitized(key)) \(GraphDataType.name(tensor.dataType)) \(tensor.shape?.description ?? "(no shape)") \(sanitized(tensor.name))"
                }.joined(separator: "; ")
            }
            var rows = [["signature", "method", "inputs", "outputs"]]
            for entry in summary.signatures {
                rows.append([sanitized(entry.key), sanitized(entry.signature.methodName), describe(entry.signature.inputs), describe(entry.signature.outputs)])
            }
            var text = "SavedModel: \(sanitized(displayName))\n"
            text += "tag sets: " + summary.tagSets.map { "[" + $0.map(sanitized).joined(separator: ", ") + "]" }.joined(separator: " ") + "\n"
            if !summary.tensorflowVersion.isEmpty { text += "written by TensorFlow \(sanitized(summary.tensorflowVersion))\n" }
            text += "serve graph: \(summary.nodeCount) nodes, \(summary.opTypes.count) op types (\(summary.opTypes.map(sanitized).joined(separator: ", ")))\n"
            text += "distance metric: \(summary.distanceMetric); input '\(sanitized(summary.featureKey))' float32 [-1, \(summary.numFeatures)]\n\n"
            text += "signatures:\n" + formatLeft(rows) + "\n"
            text += "cluster centers (\(summary.variablesPrefix == nil ? "graph constant" : "variables/variables: clusters")):\n"
            text += formatTable(centers, header: (0..<centers.columns).map { "f\($0)" })
            return text
        }
    }
}
