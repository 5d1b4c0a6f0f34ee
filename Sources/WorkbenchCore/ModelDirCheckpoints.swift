import Foundation
import KMeansCore
import KMeansEstimator

/// A model_dir (ours or TensorFlow's) opened for the checkpoint view through the training layer's reader: the
/// model's parameters and every checkpoint's state, so scores use the model's own metric in float32 (the bits
/// `kmeans score --checkpoint` prints) and a continued run continues in the model's own mode.
public enum ModelDirCheckpoints {
    /// Every initialised checkpoint of `modelDir` with its state, or an empty list and the reason; a model whose
    /// dimension differs from `dataColumns` is refused here, before any checkpoint is chosen.
    public static func load(modelDir: String, dataColumns: Int? = nil) -> (entries: [CheckpointEntry], origin: String) {
        let reader = ModelDirReader(path: modelDir)
        let label = TerminalText.sanitized(URL(fileURLWithPath: modelDir).lastPathComponent)
        func failure(_ error: any Error) -> (entries: [CheckpointEntry], origin: String) {
            ([], "cannot read \(label): \(TerminalText.sanitized(String(describing: error)))")
        }
        let model: StoredParameters?
        let infos: [CheckpointInfo]
        do {
            model = try reader.parameters()
            infos = try reader.checkpoints()
        } catch { return failure(error) }
        guard let model, !infos.isEmpty else { return ([], "\(label): no checkpoints") }
        if let dataColumns, let d = model.numFeatures, d != dataColumns {
            return ([], "\(label): the model has \(d) features, the data \(dataColumns) (open the data it was trained on)")
        }
        let params = model.kmeansParams(relativeTolerance: nil)
        var entries: [CheckpointEntry] = []
        var problems: [String] = []
        for info in infos {
            do {
                let state = try reader.state(of: info, params: params)
                guard state.initialized, state.clusters.rows > 0 else { continue }
                entries.append(CheckpointEntry(step: Int(state.globalStep), name: TerminalText.sanitized(info.name),
                                               centers: state.clusters, initialized: true, state: state, model: model))
            } catch {
                problems.append("\(info.name): \(error)")
            }
        }
        if entries.isEmpty {
            let why = problems.first.map { TerminalText.sanitized($0) } ?? "no initialised checkpoints"
            return ([], "\(label): \(why)")
        }
        return (entries, label)
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
