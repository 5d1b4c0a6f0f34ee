import Foundation
import KMeansCore
import KMeansEstimator
import TFFormats

extension ModelContext {
    /// Opens a SavedModel export (`kmeans export`, or TF's `export_saved_model`) for inference: the centres,
    /// metric and feature shape come from `SavedModelReader.read(directory:)`, the checkpoint is `variables/variables`.
    static func openExport(_ directory: URL, displayName: String, flags: ModelParameterOptions, featureColumns: [String]?) throws -> ModelContext {
        let summary = try SavedModelReader.read(directory: directory)
        guard let prefix = summary.variablesPrefix else {
            throw CLIError.data("\(displayName): this SavedModel keeps its centres in a graph constant; `kmeans` reads exports whose centres are in variables/ (as TF's and ours are)")
        }
        let k = summary.numClusters
        let d = summary.numFeatures
        if let given = flags.numClusters, given != k {
            throw CLIError.parameter("--num-clusters \(given) conflicts with the export \(displayName): its centres have k = \(k); omit the flag")
        }
        if let given = flags.distanceMetric, given != summary.distanceMetric {
            throw CLIError.parameter("--distance-metric \(given) conflicts with the export \(displayName): its graph computes \(summary.distanceMetric) distances; omit the flag")
        }
        var parameters: StoredParameters
        if let stored = try StoredParameters.load(from: directory) {
            guard stored.distanceMetric == summary.distanceMetric, stored.numClusters == k else {
                throw CLIError.data("\(displayName): \(StoredParameters.fileName) says k = \(stored.numClusters), \(stored.distanceMetric) but saved_model.pb holds k = \(k), \(summary.distanceMetric); export again")
            }
            parameters = stored
        } else {
            let bundle = try TensorBundleReader(prefix: URL(fileURLWithPath: prefix))
            let miniBatch = bundle.entry(named: "Variable") != nil
            parameters = StoredParameters(
                numClusters: k, initialClusters: "random", distanceMetric: summary.distanceMetric, randomSeed: 0, useMiniBatch: miniBatch,
                miniBatchStepsPerIteration: bundle.entry(named: "clusters_updated") != nil ? 2 : 1, kmeansPlusPlusNumRetries: 2,
                relativeTolerance: nil, featureColumns: featureColumns, numFeatures: d)
        }
        if parameters.featureColumns == nil { parameters.featureColumns = featureColumns }
        parameters.numFeatures = d
        let estimator = try KMeansClustering(params: parameters.kmeansParams(relativeTolerance: nil), modelDir: directory.path,
                                             config: RunConfig(saveSummarySteps: nil, logStepCountSteps: nil))
        return ModelContext(directory: directory, parameters: parameters, estimator: estimator, checkpointPath: prefix, numFeatures: d)
    }
}
