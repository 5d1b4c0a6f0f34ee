import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// An existing model directory opened for inference: its resolved parameters and an estimator over it.
struct ModelContext {
    let directory: URL
    let parameters: StoredParameters
    let estimator: KMeansClustering
    /// The checkpoint to use (nil: the latest), as a path the estimator accepts.
    let checkpointPath: String?
    /// The number of features the model expects, when known.
    let numFeatures: Int?

    static func open(_ modelOptions: ModelDirOptions, flags: ModelParameterOptions, featureColumns: [String]?) throws -> ModelContext {
        try flags.checkParameters()
        let directory = URL(fileURLWithPath: modelOptions.modelDir)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError.data("\(modelOptions.modelDir): no such model directory")
        }
        let reader = ModelDirReader(path: modelOptions.modelDir)
        let stored = try reader.storedParameters()
        let facts = try reader.checkpointFacts()
        if facts == nil {
            throw Self.noCheckpoint(modelOptions.modelDir)
        }
        let resolver = ParameterResolver(directory: directory, displayName: modelOptions.modelDir, flags: flags, featureColumns: featureColumns)
        let explicit = try flags.initialClusters.flatMap { value -> Matrix? in
            guard value != "random", value != "kmeans_plus_plus" else { return nil }
            return try resolver.explicitCenters(dataOptions: DataOptions.defaults)
        }
        let parameters = try resolver.resolve(stored: stored, facts: facts, explicitCenters: explicit, training: false)
        let estimator = try KMeansClustering(params: parameters.kmeansParams(relativeTolerance: nil, algorithm: parameters.useMiniBatch ? .auto : flags.assignmentAlgorithm), modelDir: directory.path,
                                             config: RunConfig(saveSummarySteps: nil, logStepCountSteps: nil))
        var checkpointPath: String? = nil
        if let given = modelOptions.checkpoint {
            checkpointPath = try resolveCheckpoint(given, in: directory)
        }
        return ModelContext(directory: directory, parameters: parameters, estimator: estimator, checkpointPath: checkpointPath,
                            numFeatures: parameters.numFeatures ?? facts?.numFeatures)
    }

    /// Accepts `DIR/model.ckpt-5`, `model.ckpt-5` (relative to the model directory) or an absolute prefix, as long
    /// as its `.index` file exists.
    static func resolveCheckpoint(_ given: String, in directory: URL) throws -> String {
        let candidates = [URL(fileURLWithPath: given), directory.appendingPathComponent(given)]
        for candidate in candidates {
            let prefix = candidate.path.hasSuffix(".index") ? String(candidate.path.dropLast(6)) : candidate.path
            if FileManager.default.fileExists(atPath: prefix + ".index") {
                return URL(fileURLWithPath: prefix).standardizedFileURL.path
            }
        }
        throw CLIError.data("\(given): no such checkpoint (no \(given).index in \(directory.path) or the working directory)")
    }

    /// A model directory without a checkpoint to read.
    static func noCheckpoint(_ directory: String) -> CLIError {
        CLIError.data("\(directory): no checkpoint (train first, or check the 'checkpoint' file)")
    }

    /// The centres and global step of the checkpoint in use.
    func centersAndStep() throws -> (centers: Matrix, globalStep: Int64) {
        let prefix: URL
        if let checkpointPath {
            prefix = URL(fileURLWithPath: checkpointPath)
        } else if let latest = try ModelDirectory(url: directory).latestCheckpoint() {
            prefix = latest.prefix
        } else {
            throw Self.noCheckpoint(directory.path)
        }
        return try ModelDirReader.centersAndStep(prefix: prefix)
    }
}

extension DataOptions {
    /// Reading options with every default (for side files such as initial centres).
    static var defaults: DataOptions {
        // Parsing an empty argument list yields the declared defaults.
        (try? DataOptions.parse([])) ?? DataOptions()
    }
}
