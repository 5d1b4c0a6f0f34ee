import Foundation
import KMeansCore
import KMeansData
import WorkbenchCore

/// Loading `--data FILE` for the workbench through KMeansData's readers.
enum WorkbenchDataFile {
    /// Reads a CSV/TSV/NPY file into a data set named after the file; errors name the file, line and value.
    static func load(path: String, featureColumns: [String]? = nil) throws -> DataSet {
        let loaded = try CLIError.withoutSkipHint { try DataLoader.load(path: path, options: DataReadOptions(featureColumns: featureColumns)) }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return DataSet(name: name, points: loaded.matrix, columnNames: loaded.featureNames,
                       source: "\(path) (\(loaded.format.rawValue)\(loaded.skippedRows > 0 ? ", \(loaded.skippedRows) rows skipped" : ""))")
    }
}

