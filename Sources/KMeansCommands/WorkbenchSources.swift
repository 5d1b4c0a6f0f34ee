import Foundation
import KMeansCore
import KMeansData
import WorkbenchCore

/// Loading `--data FILE` for the workbench through KMeansData's readers.
enum WorkbenchDataFile {
    /// Reads a CSV/TSV/NPY file into a data set (``DataSet/load(path:options:truth:)``).
    static func load(path: String, options: DataReadOptions = DataReadOptions(), truth: String? = nil) throws -> DataSet {
        try DataSet.load(path: path, options: options, truth: truth)
    }
}
