import Foundation
import KMeansCore
import TFFormats

/// Reading a model_dir's checkpoints (ours or TensorFlow's) for the checkpoint view.
public enum ModelDirCheckpoints {
    /// Every checkpoint of `modelDir` with its step and `clusters`, or an empty list and the reason.
    public static func load(modelDir: String) -> (entries: [CheckpointEntry], origin: String) {
        let directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        let label = TerminalText.sanitized(URL(fileURLWithPath: modelDir).lastPathComponent)
        let references: [CheckpointReference]
        do { references = try directory.checkpoints() } catch {
            return ([], "cannot read \(label): \(TerminalText.sanitized(String(describing: error)))")
        }
        var entries: [CheckpointEntry] = []
        var problems: [String] = []
        for reference in references {
            do {
                let tensors = try directory.load(reference)
                guard let clusters = tensors[KMeansState.VariableName.clusters], let values = clusters.floatValues else {
                    problems.append("\(reference.name): no float `clusters`")
                    continue
                }
                let step = tensors[KMeansState.VariableName.globalStep]?.int64Values?.first ?? reference.step ?? 0
                let initialized = tensors[KMeansState.VariableName.initialized]?.boolValues?.first ?? true
                let matrix: Matrix
                if clusters.shape.count == 2 {
                    matrix = Matrix(rows: clusters.shape[0], columns: clusters.shape[1], values: values)
                } else {
                    matrix = Matrix(rows: 0, columns: 0)
                }
                entries.append(CheckpointEntry(step: Int(step), name: TerminalText.sanitized(reference.name), centers: matrix, initialized: initialized && matrix.rows > 0))
            } catch {
                problems.append("\(reference.name): \(error)")
            }
        }
        if entries.isEmpty {
            let why = problems.first.map { TerminalText.sanitized($0) } ?? "no checkpoints"
            return ([], "\(label): \(why)")
        }
        return (entries.filter(\.initialized), label)
    }
}
