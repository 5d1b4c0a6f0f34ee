import Foundation
import KMeansCore
import KMeansEstimator
import TFFormats

/// A model_dir (ours or TensorFlow's) opened for the checkpoint view through the training layer's reader: the
/// model's parameters and every checkpoint's state, so scores use the model's own metric in float32 (the bits
/// `kmeans score --checkpoint` prints) and a continued run continues in the model's own mode.
public enum ModelDirCheckpoints {
    /// Every initialised checkpoint of `modelDir` with its state (read once through a `CheckpointCatalog`), or an
    /// empty list and the reason; a model whose dimension differs from `dataColumns` is refused here, before any
    /// checkpoint is chosen.
    public static func load(modelDir: String, dataColumns: Int? = nil) -> (entries: [CheckpointEntry], origin: String) {
        let reader = ModelDirReader(path: modelDir)
        if SavedModelReader.isSavedModel(directory: reader.url) {
            let label = TerminalText.sanitized(URL(fileURLWithPath: modelDir).lastPathComponent)
            return loadExport(reader.url, label: label, dataColumns: dataColumns)
        }
        var catalog = CheckpointCatalog(modelDir: modelDir, dataColumns: dataColumns)
        return catalog.refresh()
    }

    /// A SavedModel export (ours or TensorFlow's estimator's) as one entry: its centres and metric, scored as a
    /// full-batch model of that metric.
    static func loadExport(_ url: URL, label: String, dataColumns: Int?) -> (entries: [CheckpointEntry], origin: String) {
        let summary: SavedModelSummary
        do { summary = try SavedModelReader.read(directory: url) } catch {
            return ([], "cannot read the export \(label): \(TerminalText.sanitized(String(describing: error)))")
        }
        if let dataColumns, summary.numFeatures != dataColumns {
            return ([], "\(label): the export has \(summary.numFeatures) features, the data \(dataColumns) (open the data it was trained on)")
        }
        let centers = Matrix(rows: summary.numClusters, columns: summary.numFeatures, values: summary.centers)
        let model = StoredParameters(numClusters: summary.numClusters, distanceMetric: summary.distanceMetric,
                                     useMiniBatch: false, numFeatures: summary.numFeatures)
        let state = KMeansState(clusters: centers, initialized: true, clusterCounts: nil, clustersUpdated: nil,
                                updateInSteps: nil, globalStep: 0)
        return ([CheckpointEntry(step: 0, name: "export " + label, centers: centers, state: state, model: model)], "\(label) (SavedModel export)")
    }

    /// The labels and score of `data` under the checkpoint, by the model's own metric in float32 — the numbers
    /// `kmeans predict` / `kmeans score --checkpoint` give; nil for entries without a state or a data mismatch.
    public static func evaluate(_ entry: CheckpointEntry, data: Matrix) -> (labels: [Int32], score: Float)? {
        guard let state = entry.state, let model = entry.model, state.clusters.columns == data.columns,
              let function = try? ModelFunction(params: model.kmeansParams(relativeTolerance: nil)),
              let assignment = try? function.nearest(data, state: state) else { return nil }
        return (assignment.indices.map { Int32(truncatingIfNeeded: $0) }, assignment.loss)
    }
}
