import Foundation
import KMeansCore
import KMeansData

extension DataSet {
    /// Reads a CSV/TSV/NPY file into a data set named after the file; errors name the file, line and value. Text
    /// columns and a row id column are left out, a truth column is taken when named (``TableLoader``); the loader's
    /// note ends the source and is kept in ``note``.
    public static func load(path: String, options: DataReadOptions = DataReadOptions(), truth: String? = nil) throws -> DataSet {
        let table = try TableLoader.load(path: path, options: options, truthColumn: truth)
        let loaded = table.data
        let name = URL(fileURLWithPath: path).lastPathComponent
        var dataSet = DataSet(name: name, points: loaded.matrix, columnNames: loaded.featureNames,
                              source: "\(path) (\(loaded.format.rawValue)\(loaded.skippedRows > 0 ? ", \(loaded.skippedRows) rows skipped" : ""))"
                                  + (table.notes.isEmpty ? "" : "; " + table.note))
        if let column = table.rowIDColumn, let ids = table.rowIDs { dataSet.rowIDs = (column, ids) }
        dataSet.truth = table.truth
        dataSet.note = table.note
        return dataSet
    }
}
