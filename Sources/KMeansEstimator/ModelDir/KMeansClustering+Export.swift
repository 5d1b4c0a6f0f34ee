import Foundation
import TFFormats

/// TF's `tf.estimator.ModeKeys`: which graph an export describes.
public enum ModeKeys: String, Sendable, Hashable, CaseIterable {
    /// Training (`train`): the loss.
    case train
    /// Evaluation (`eval`): loss and score.
    case eval
    /// Prediction (`infer`): the serving signatures.
    case predict = "infer"
}

/// What a serving request feeds the exported model: the feature key and its width (TF's
/// `ServingInputReceiver` for one float32 `[batch, d]` tensor).
public struct ServingInputReceiver: Sendable, Equatable {
    /// The input's name in the signatures.
    public var featureKey: String
    /// Values per point; nil takes the width of the trained centres.
    public var dimension: Int?

    /// A receiver for one float32 matrix input named `featureKey` (default `x`).
    public init(featureKey: String = "x", dimension: Int? = nil) {
        self.featureKey = featureKey
        self.dimension = dimension
    }
}

/// TF's `serving_input_receiver_fn`: called once per export.
public typealias ServingInputReceiverFunction = @Sendable () throws -> ServingInputReceiver

extension KMeansClustering {
    /// The directory evaluation summaries go to (TF's `eval_dir(name)`): `<modelDir>/eval` or
    /// `<modelDir>/eval_<name>`. Without a model directory, the relative name (nothing is written).
    public func evalDir(name: String? = nil) -> String {
        let component = EventSummarySink.evalDirectoryName(name)
        guard let modelDir else { return component }
        return EventSummarySink.join(modelDir, component)
    }

    /// Exports the model for serving (TF's `export_saved_model`) into a new timestamped directory under
    /// `exportDirBase` and returns its path.
    ///
    /// The directory is a SavedModel that `tf.saved_model.load`, `saved_model_cli` and TF Serving load:
    /// `saved_model.pb` (a `serve` graph computing TF's distances, see `docs/SERVING.md`) and
    /// `variables/variables.index` + `variables/variables.data-00000-of-00001` (every checkpoint variable;
    /// the graph restores `clusters`). Beside them: `variables/checkpoint` (so the `variables` directory itself
    /// is a model directory too), optional `assets.extra/` copies, and `kmeans_export.json`, the manifest of
    /// signatures (see `ExportManifest`).
    ///
    /// - Parameters:
    ///   - exportDirBase: parent of the timestamped export directory (created if needed).
    ///   - servingInputReceiverFn: describes the serving input.
    ///   - assetsExtra: destination path (relative, inside `assets.extra/`) → source file to copy.
    ///   - asText: accepted for TF compatibility; the manifest is always text.
    ///   - checkpointPath: export this checkpoint instead of the latest.
    ///   - experimentalMode: which mode's signatures to describe (default `.predict`).
    @discardableResult
    public func exportSavedModel(
        exportDirBase: String, servingInputReceiverFn: @escaping ServingInputReceiverFunction, assetsExtra: [String: String]? = nil,
        asText: Bool = false, checkpointPath: String? = nil, experimentalMode: ModeKeys = .predict
    ) throws -> String {
        try export(exportDirBase: exportDirBase, receivers: [experimentalMode: servingInputReceiverFn], assetsExtra: assetsExtra,
                   checkpointPath: checkpointPath)
    }

    /// The older name of `exportSavedModel` (TF's `export_savedmodel`); `stripDefaultAttrs` has no effect here.
    @discardableResult
    public func exportSavedmodel(
        exportDirBase: String, servingInputReceiverFn: @escaping ServingInputReceiverFunction, assetsExtra: [String: String]? = nil,
        asText: Bool = false, checkpointPath: String? = nil, stripDefaultAttrs: Bool = false
    ) throws -> String {
        try export(exportDirBase: exportDirBase, receivers: [.predict: servingInputReceiverFn], assetsExtra: assetsExtra,
                   checkpointPath: checkpointPath)
    }

    /// Exports one directory describing every mode in `inputReceiverFnMap` with a single set of variables
    /// (TF's `experimental_export_all_saved_models`); returns its path.
    @discardableResult
    public func experimentalExportAllSavedModels(
        exportDirBase: String, inputReceiverFnMap: [ModeKeys: ServingInputReceiverFunction], assetsExtra: [String: String]? = nil,
        asText: Bool = false, checkpointPath: String? = nil
    ) throws -> String {
        guard !inputReceiverFnMap.isEmpty else {
            throw KMeansError.invalidArgument(argument: "inputReceiverFnMap", reason: "must name at least one mode")
        }
        return try export(exportDirBase: exportDirBase, receivers: inputReceiverFnMap, assetsExtra: assetsExtra, checkpointPath: checkpointPath)
    }

    private func export(
        exportDirBase: String, receivers: [ModeKeys: ServingInputReceiverFunction], assetsExtra: [String: String]?,
        checkpointPath: String?
    ) throws -> String {
        guard let (path, variables, state) = try restoreCheckpoint(checkpointPath: checkpointPath) else {
            throw KMeansError.noTrainedModel("Couldn't find trained model at \(modelDir ?? "(in memory)").")
        }
        guard state.initialized, state.clusters.rows > 0 else {
            throw KMeansError.notInitialized("the checkpoint '\(path)' holds no trained centres; train first")
        }
        let k = state.clusters.rows
        let d = state.clusters.columns
        var modes: [String: ExportManifest.Mode] = [:]
        var servingFeatureKey = ServingInputReceiver().featureKey
        for (mode, receiverFn) in receivers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let receiver = try receiverFn()
            if mode == .predict || receivers[.predict] == nil { servingFeatureKey = receiver.featureKey }
            if let dimension = receiver.dimension, dimension != d {
                throw KMeansError.invalidArgument(argument: "servingInputReceiverFn", reason: "input dimension \(dimension) does not match the \(d)-dimensional centres")
            }
            guard !receiver.featureKey.isEmpty else {
                throw KMeansError.invalidArgument(argument: "servingInputReceiverFn", reason: "feature key must not be empty")
            }
            modes[mode.rawValue] = ExportManifest.Mode(mode: mode, featureKey: receiver.featureKey, numClusters: k, dimension: d)
        }
        let manifest = ExportManifest(
            format: ExportManifest.formatName, version: 1, checkpoint: URL(fileURLWithPath: path).lastPathComponent,
            globalStep: state.globalStep, distanceMetric: params.distanceMetric.rawValue, numClusters: k, dimension: d,
            variables: "variables/variables", modes: modes)
        let graph = try ServingGraph.document(metric: params.distanceMetric, numClusters: k, dimension: d, featureKey: servingFeatureKey)

        let base = URL(fileURLWithPath: exportDirBase)
        try exportFileOperation(base.path) { try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true) }
        var seconds = Int(Date().timeIntervalSince1970)
        var final = base.appendingPathComponent(String(seconds))
        while FileManager.default.fileExists(atPath: final.path) {
            seconds += 1
            final = base.appendingPathComponent(String(seconds))
        }
        let temporary = base.appendingPathComponent("temp-\(seconds)-\(UUID().uuidString)")
        do {
            try exportFileOperation(final.path) {
                try writeExport(to: temporary, variables: variables, graph: graph, manifest: manifest, assetsExtra: assetsExtra)
                try FileManager.default.moveItem(at: temporary, to: final)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return final.path
    }

    private func writeExport(to directory: URL, variables: [String: Tensor], graph: SavedModelDocument, manifest: ExportManifest,
                             assetsExtra: [String: String]?) throws {
        let variablesDirectory = directory.appendingPathComponent("variables")
        try FileManager.default.createDirectory(at: variablesDirectory, withIntermediateDirectories: true)
        try Data(graph.serialized()).write(to: directory.appendingPathComponent(SavedModelReader.graphFileName), options: .atomic)
        let prefix = variablesDirectory.appendingPathComponent("variables")
        let encoded = try TensorBundleEncoder.encode(variables)
        try Data(encoded.data).write(to: TensorBundleFiles.dataURL(prefix: prefix), options: .atomic)
        try Data(encoded.index).write(to: TensorBundleFiles.indexURL(prefix: prefix), options: .atomic)
        let state = CheckpointState(modelCheckpointPath: "variables", allModelCheckpointPaths: ["variables"])
        try Data(state.serialized.utf8).write(to: variablesDirectory.appendingPathComponent("checkpoint"), options: .atomic)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: directory.appendingPathComponent(ExportManifest.fileName), options: .atomic)

        for (destination, source) in assetsExtra ?? [:] {
            let components = destination.split(separator: "/")
            guard !destination.hasPrefix("/"), !components.isEmpty, !components.contains(".."), !components.contains(".") else {
                throw KMeansError.invalidArgument(argument: "assetsExtra", reason: "destination '\(destination)' must be a relative path inside assets.extra")
            }
            let target = directory.appendingPathComponent("assets.extra").appendingPathComponent(destination)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: target)
        }
    }
}

/// Runs a file operation of an export, turning Foundation's error into one line naming `path`.
func exportFileOperation<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as NSError where error.domain == NSCocoaErrorDomain {
        let reason = (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? error.localizedDescription
        throw KMeansError.invalidArgument(argument: "export path", reason: "cannot write '\(path)': \(reason) (check that its directory exists and is writable)")
    }
}

/// The JSON manifest (`kmeans_export.json`) of an export: which checkpoint, the metric, the centres' shape, and
/// per mode the signatures with their inputs and outputs (dtype and shape, -1 for the batch dimension).
///
/// For `infer`: `serving_default` and `cluster_index` map the input to `output` = the nearest centre's index
/// (int64 `[-1]`); `all_distances` maps it to `output` = the distances to every centre (float32 `[-1, k]`),
/// as TF's KMeans `export_outputs`. For `eval`: outputs `loss` and `score`; for `train`: `loss`.
public struct ExportManifest: Codable, Sendable, Equatable {
    /// The manifest's file name inside an export directory.
    public static let fileName = "kmeans_export.json"
    /// The value of `format`.
    public static let formatName = "kmeans-swift-export"

    /// One tensor of a signature.
    public struct TensorSpec: Codable, Sendable, Equatable {
        /// `float32` or `int64`.
        public var dtype: String
        /// Dimensions; -1 is the batch dimension.
        public var shape: [Int]
    }

    /// A named signature.
    public struct Signature: Codable, Sendable, Equatable {
        /// Inputs by name.
        public var inputs: [String: TensorSpec]
        /// Outputs by name.
        public var outputs: [String: TensorSpec]
        /// What the output means (`cluster_index`, `all_distances`, `loss`, …).
        public var meaning: String
    }

    /// The signatures of one mode.
    public struct Mode: Codable, Sendable, Equatable {
        /// Signatures by name.
        public var signatures: [String: Signature]

        init(mode: ModeKeys, featureKey: String, numClusters k: Int, dimension d: Int) {
            let inputs = [featureKey: TensorSpec(dtype: "float32", shape: [-1, d])]
            let index = Signature(inputs: inputs, outputs: ["output": TensorSpec(dtype: "int64", shape: [-1])], meaning: KMeansClustering.CLUSTER_INDEX)
            switch mode {
            case .predict:
                signatures = [
                    "serving_default": index,
                    KMeansClustering.CLUSTER_INDEX: index,
                    KMeansClustering.ALL_DISTANCES: Signature(inputs: inputs, outputs: ["output": TensorSpec(dtype: "float32", shape: [-1, k])], meaning: KMeansClustering.ALL_DISTANCES),
                ]
            case .eval:
                let scalar = TensorSpec(dtype: "float32", shape: [])
                signatures = ["eval": Signature(inputs: inputs, outputs: ["loss": scalar, KMeansClustering.SCORE: scalar], meaning: "loss and score: mean over batches of the sum of distances to the nearest centre")]
            case .train:
                signatures = ["train": Signature(inputs: inputs, outputs: ["loss": TensorSpec(dtype: "float32", shape: [])], meaning: "loss: sum of distances to the nearest centre")]
            }
        }
    }

    /// Always `kmeans-swift-export`.
    public var format: String
    /// Manifest version (1).
    public var version: Int
    /// The exported checkpoint's name (`model.ckpt-N`).
    public var checkpoint: String
    /// Its global step.
    public var globalStep: Int64
    /// `squared_euclidean` or `cosine`.
    public var distanceMetric: String
    /// k.
    public var numClusters: Int
    /// d.
    public var dimension: Int
    /// The tensor bundle prefix, relative to the export directory.
    public var variables: String
    /// Signatures per exported mode (`infer`, `eval`, `train`).
    public var modes: [String: Mode]

    enum CodingKeys: String, CodingKey {
        case format, version, checkpoint, variables, modes
        case globalStep = "global_step"
        case distanceMetric = "distance_metric"
        case numClusters = "num_clusters"
        case dimension
    }
}
