import Foundation
import KMeansCore
import KMeansData
import TFFormats
import WorkbenchCore

/// Loading `--data FILE` for the workbench through KMeansData's readers.
enum WorkbenchDataFile {
    /// Reads a CSV/TSV/NPY file into a data set named after the file; errors name the file, line and value.
    static func load(path: String) throws -> DataSet {
        let loaded = try DataLoader.load(path: path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        return DataSet(name: name, points: loaded.matrix, columnNames: loaded.featureNames,
                       source: "\(path) (\(loaded.format.rawValue)\(loaded.skippedRows > 0 ? ", \(loaded.skippedRows) rows skipped" : ""))")
    }
}

/// Reading a model_dir's checkpoints (ours or TensorFlow's) for the checkpoint view.
enum WorkbenchCheckpoints {
    /// Every checkpoint of `modelDir` with its step and `clusters`, or an empty list and the reason.
    static func load(modelDir: String) -> (entries: [CheckpointEntry], origin: String) {
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
                entries.append(CheckpointEntry(step: Int(step), name: TerminalText.sanitized(reference.name), centres: matrix, initialized: initialized && matrix.rows > 0))
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
