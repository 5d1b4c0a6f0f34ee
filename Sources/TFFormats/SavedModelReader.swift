import Foundation

/// What a K-Means SavedModel export holds: its tags, signatures, graph size, centres and metric.
public struct SavedModelSummary: Sendable, Equatable {
    /// One signature, by key.
    public struct Entry: Sendable, Equatable {
        /// The signature key (`serving_default`, `cluster_index`, …).
        public var key: String
        /// The signature.
        public var signature: SavedModelSignature
    }

    /// The export directory.
    public var directory: String
    /// Tags of every meta graph, in file order.
    public var tagSets: [[String]]
    /// The `serve` meta graph's signatures, sorted by key.
    public var signatures: [Entry]
    /// Nodes in the `serve` graph.
    public var nodeCount: Int
    /// Distinct op types in the `serve` graph, sorted.
    public var opTypes: [String]
    /// `meta_info_def.tensorflow_version` (empty when not recorded).
    public var tensorflowVersion: String
    /// `squared_euclidean`, or `cosine` when the graph normalises its input (an `Rsqrt` op, TF's `l2_normalize`).
    public var distanceMetric: String
    /// The input key of `serving_default` (the feature name, `x` by default).
    public var featureKey: String
    /// k.
    public var numClusters: Int
    /// d.
    public var numFeatures: Int
    /// The centres, row-major `k × d`.
    public var centers: [Float]
    /// The variables' bundle prefix (`DIR/variables/variables`), nil when the centres are a graph constant.
    public var variablesPrefix: String?
}

/// Opens SavedModel export directories (`saved_model.pb` + `variables/`), ours or TensorFlow's.
public enum SavedModelReader {
    /// The graph file's name.
    public static let graphFileName = "saved_model.pb"

    /// True when `directory` holds a `saved_model.pb`.
    public static func isSavedModel(directory: URL) -> Bool {
        FileIO.fileExists(directory.appendingPathComponent(graphFileName))
    }

    /// Reads and decodes `DIR/saved_model.pb`, refusing files over `SavedModelDocument.maximumFileSize`.
    public static func document(directory: URL) throws(TFFormatError) -> SavedModelDocument {
        let url = directory.appendingPathComponent(graphFileName)
        let bytes = try FileIO.readAll(url, limit: (SavedModelDocument.maximumFileSize, { size in
            .malformed(path: url.path, detail: "\(size) bytes is too large for a K-Means SavedModel (limit \(SavedModelDocument.maximumFileSize))")
        }))
        return try SavedModelDocument.decode(bytes, path: url.path)
    }

    /// Reads the export in `directory`: the `serve` graph's signatures, its centres (from `variables/`, or a
    /// `clusters` constant), the metric and the feature shape, checking they agree.
    public static func read(directory: URL) throws(TFFormatError) -> SavedModelSummary {
        let path = directory.appendingPathComponent(graphFileName).path
        let document = try document(directory: directory)
        let tagSets = document.metaGraphs.map(\.tags)
        guard let meta = document.metaGraphs.first(where: { $0.tags.contains("serve") }) else {
            let found = tagSets.isEmpty ? "no meta graphs" : "tag sets " + tagSets.map { "[\($0.joined(separator: ","))]" }.joined(separator: " ")
            throw .malformed(path: path, detail: "no MetaGraphDef tagged 'serve' (found \(found)); TF Serving and `kmeans` load the serve graph: re-export with the serve tag")
        }
        let nodes = meta.graph.nodes
        guard let clusters = nodes.first(where: { $0.name == "clusters" }) else {
            throw .malformed(path: path, detail: "the serve graph has no 'clusters' node; not a K-Means export (TF's KMeans and `kmeans export` name the centres 'clusters')")
        }
        let (centers, shape, prefix) = try centers(of: clusters, directory: directory, path: path)
        let (k, d) = (shape[0], shape[1])
        let signatureKey = meta.signatures["serving_default"] != nil ? "serving_default" : meta.signatures.keys.sorted().first
        guard let signatureKey, let signature = meta.signatures[signatureKey], let first = signature.inputs.min(by: { $0.key < $1.key }) else {
            throw .malformed(path: path, detail: "the serve graph has no signature with an input; export with a serving input receiver")
        }
        let (featureKey, input) = (first.key, first.value)
        if let dims = input.shape?.dimensions, dims.count == 2, dims[1] >= 0, dims[1] != Int64(d) {
            throw .malformed(path: path, detail: "signature '\(signatureKey)' input '\(featureKey)' has \(dims[1]) features but the centres have \(d)")
        }
        let cosine = nodes.contains { $0.op == "Rsqrt" }
        return SavedModelSummary(
            directory: directory.path, tagSets: tagSets,
            signatures: meta.signatures.keys.sorted().map { SavedModelSummary.Entry(key: $0, signature: meta.signatures[$0]!) },
            nodeCount: nodes.count, opTypes: Set(nodes.map(\.op)).sorted(), tensorflowVersion: meta.tensorflowVersion,
            distanceMetric: cosine ? "cosine" : "squared_euclidean", featureKey: featureKey, numClusters: k, numFeatures: d,
            centers: centers, variablesPrefix: prefix)
    }

    /// The centres the `clusters` node stands for: a constant's value, or the variable restored from `variables/`.
    private static func centers(of clusters: GraphNode, directory: URL, path: String) throws(TFFormatError) -> ([Float], [Int], String?) {
        if clusters.op == "Const" {
            guard case .tensor(let tensor)? = clusters.attributes["value"], let values = tensor.floats, tensor.shape.count == 2,
                  tensor.shape.allSatisfy({ $0 >= 1 }) else {
                throw .malformed(path: path, detail: "the 'clusters' constant is not a float32 [k, d] tensor with k, d ≥ 1")
            }
            return (values, tensor.shape.map { Int($0) }, nil)
        }
        guard ["VarHandleOp", "VariableV2", "Variable"].contains(clusters.op) else {
            throw .malformed(path: path, detail: "'clusters' is a \(clusters.op) node, expected a variable or a constant")
        }
        var key = "clusters"
        if case .string(let shared)? = clusters.attributes["shared_name"], !shared.isEmpty { key = String(decoding: shared, as: UTF8.self) }
        let prefix = directory.appendingPathComponent("variables").appendingPathComponent("variables")
        guard FileIO.fileExists(TensorBundleFiles.indexURL(prefix: prefix)) else {
            throw .malformed(path: path, detail: "no variables/variables.index beside it, but the graph keeps the centres in a variable: copy the export's variables/ directory too")
        }
        let tensor = try TensorBundleReader(prefix: prefix).tensor(named: key)
        let bundlePath = TensorBundleFiles.indexURL(prefix: prefix).path
        guard let values = tensor.floatValues, tensor.shape.count == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
            throw .invalidEntry(path: bundlePath, key: key, detail: "has type \(tensor.dataType.name) and shape \(tensor.shape), expected float32 [k, d] with k, d ≥ 1")
        }
        if case .shape(let declared)? = clusters.attributes["shape"], let dims = declared.dimensions {
            let agrees = dims.count == 2 && zip(dims, tensor.shape).allSatisfy { $0 < 0 || $0 == Int64($1) }
            guard agrees else {
                throw .invalidEntry(path: bundlePath, key: key, detail: "has shape \(tensor.shape) but the graph declares \(declared.description); the variables come from another model: export again")
            }
        }
        return (values, tensor.shape, prefix.path)
    }
}
