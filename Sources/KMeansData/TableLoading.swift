import KMeansCore

/// The values of a truth column as labels, for agreement metrics against a clustering.
public struct TruthLabels: Sendable, Equatable {
    /// The column's name (header name, or index as text).
    public var column: String
    /// The distinct values, in order of first appearance; a label is an index into this.
    public var names: [String]
    /// One label per row of the data, in `0..<names.count`.
    public var labels: [Int]

    /// Creates labels: `names[labels[i]]` is row i's class.
    public init(column: String, names: [String], labels: [Int]) {
        self.column = column
        self.names = names
        self.labels = labels
    }
}

/// A data file read for clustering with its other columns sorted out: the numeric features, a row id kept for
/// output, an optional truth column, and a note naming what was left out.
public struct LoadedTable: Sendable, Equatable {
    /// The features (the numeric columns that are neither a row id nor the truth), as read.
    public var data: LoadedData
    /// The row id column's name, when one was found (left out of the features).
    public var rowIDColumn: String?
    /// The row id of each row of `data.matrix`, when there is a row id column.
    public var rowIDs: [Int64]?
    /// The truth column's labels, when one was chosen.
    public var truth: TruthLabels?
    /// The text columns left out of the features.
    public var textColumns: [String]
    /// One sentence per thing that happened beyond reading numbers (columns left out, the truth chosen).
    public var notes: [String]

    /// The notes as one line (empty when there are none).
    public var note: String { notes.joined(separator: "; ") }
}

/// Reads a data file whose columns need not all be numbers.
///
/// Text columns are left out of the features, as is a row id column (integers counting up, kept in
/// ``LoadedTable/rowIDs``); a text or integer column can be chosen as the truth. `featureColumns` in the options
/// still selects the features explicitly (then nothing else is left out, but a row id is still found among the
/// other columns). `.npy` files and standard input are read as ``DataLoader`` reads them (no profiling: standard
/// input cannot be read twice; a truth column then is an error).
public enum TableLoader {
    /// Reads `path`; throws a ``DataError`` naming the file, line, column or value for a file that has no numeric
    /// column, a truth column that is missing, holds fractions or has only one value, and every reader error.
    public static func load(path: String, options: DataReadOptions = DataReadOptions(), truthColumn: String? = nil) throws -> LoadedTable {
        let profile = path == "-" ? nil : try TableProfile.profile(path: path, options: options)
        guard let profile else {
            if let truthColumn {
                throw DataError(file: path, location: .file, kind: .unknownColumn,
                                message: "a truth column (\(quoted(truthColumn))) needs a CSV/TSV file, not \(path == "-" ? "standard input" : "a .npy file")")
            }
            return LoadedTable(data: try DataLoader.load(path: path, options: options), rowIDColumn: nil, rowIDs: nil,
                               truth: nil, textColumns: [], notes: [])
        }
        let truth = try truthColumn.map { try truthProfile($0, in: profile, path: path) }
        let selection = try select(in: profile, options: options, truth: truth, path: path)
        var notes = selection.notes
        let (features, rowID, textColumns) = (selection.features, selection.rowID, selection.textColumns)

        var readOptions = options
        if options.featureColumns == nil { readOptions.featureColumns = features.map { profile.reference(to: $0) } }
        readOptions.keptColumns = [rowID?.index, truth?.index].compactMap { $0 }
        let reader = try DataReader(path: path, options: readOptions)
        let matrix = try reader.readAll()
        if matrix.rows == 0 {
            let message = reader.skippedRows > 0 ? "no valid rows (all \(reader.skippedRows) held NaN, infinity or empty fields)" : "no data rows"
            throw DataError(file: path, location: .file, kind: .noDataRows, message: message)
        }
        var kept = reader.takeKeptFields()
        let featureNames = options.featureColumns ?? features.map { profile.columns[$0].name }
        let data = LoadedData(matrix: matrix, columnNames: reader.columnNames, featureNames: featureNames,
                              skippedRows: reader.skippedRows, format: reader.format)
        let rowIDs = rowID.map { _ in kept.removeFirst().map { Int64($0) ?? 0 } }
        var labels: TruthLabels? = nil
        if let truth {
            labels = try truthLabels(kept.removeFirst(), column: truth, path: path)
            notes.append("truth: \(quoted(truth.name)) (\(labels!.names.count) labels)")
        }
        return LoadedTable(data: data, rowIDColumn: rowID?.name, rowIDs: rowIDs, truth: labels, textColumns: textColumns, notes: notes)
    }

    /// For commands that read features only (`kmeans train`, `predict`, …): when the first data row of the CSV/TSV
    /// file `path` holds text, the columns ``load(path:options:truthColumn:)`` keeps as features (as references
    /// for ``DataReadOptions/featureColumns``) and the note naming what it left out; nil for a first row of numbers,
    /// a `.npy` file, standard input or explicit feature columns (read those as they are).
    public static func featureSelection(path: String, options: DataReadOptions) throws -> (featureColumns: [String], note: String)? {
        guard path != "-", options.featureColumns == nil, try TableProfile.firstRowHoldsText(path: path, options: options),
              let profile = try TableProfile.profile(path: path, options: options) else { return nil }
        let selection = try select(in: profile, options: options, truth: nil, path: path, keepsRowID: false)
        return (selection.features.map { profile.reference(to: $0) }, selection.notes.joined(separator: "; "))
    }

    /// The features of a profiled file: its numeric columns other than a row id and the truth (or the explicit
    /// feature columns), with a note per column left out (saying a row id is kept for output when `keepsRowID`).
    static func select(in profile: TableProfile, options: DataReadOptions, truth: ColumnProfile?, path: String, keepsRowID: Bool = true) throws
        -> (features: [Int], rowID: ColumnProfile?, textColumns: [String], notes: [String]) {
        var notes: [String] = []
        var features: [Int]
        var textColumns: [String] = []
        var rowID: ColumnProfile?
        if let wanted = options.featureColumns {
            features = wanted.compactMap { profile.column($0)?.index }
            if let truth, features.contains(truth.index) {
                throw DataError(file: path, location: .file, kind: .unusableColumn,
                                message: "truth column \(quoted(truth.name)) is also a feature column; leave it out of --feature-columns (the truth is never clustered)")
            }
            rowID = profile.columns.first { $0.kind == .rowID && !features.contains($0.index) && $0.index != truth?.index }
        } else {
            let candidates = profile.columns.filter { $0.kind != .text && $0.index != truth?.index }
            let text = profile.columns.filter { $0.kind == .text && $0.index != truth?.index }
            textColumns = text.map(\.name)
            rowID = candidates.first { $0.kind == .rowID }
            features = candidates.map(\.index).filter { $0 != rowID?.index }
            if features.isEmpty, let only = rowID {
                // Counting-up integers are the only numbers: cluster them rather than nothing.
                features = [only.index]
                rowID = nil
            }
            if features.isEmpty {
                let kept = truth.map { "; \(quoted($0.name)) is the truth" } ?? ""
                let example = text.first.flatMap { column in column.sample.map { " (\(quoted(column.name)) holds \(quoted($0)) on line \(column.sampleLine ?? 0))" } } ?? ""
                throw DataError(file: path, location: .file, kind: .unusableColumn,
                                message: "no numeric column to cluster: \(text.map { quoted($0.name) }.joined(separator: ", ")) hold\(text.count == 1 ? "s" : "") text\(example)\(kept); give a file with numbers")
            }
            if !text.isEmpty {
                notes.append("left out text column\(text.count == 1 ? "" : "s") \(text.map { quoted($0.name) }.joined(separator: ", "))")
            }
        }
        if let rowID { notes.append("left out row id column \(quoted(rowID.name)) (integers counting up\(keepsRowID ? "; kept for output" : ""))") }
        return (features, rowID, textColumns, notes)
    }

    /// The profile of the truth column `reference`, which must exist and hold text or integers.
    static func truthProfile(_ reference: String, in profile: TableProfile, path: String) throws -> ColumnProfile {
        guard let column = profile.column(reference) else {
            let known = profile.hasHeader ? "columns are \(profile.columnList)" : "the file has no header row and \(profile.columns.count) columns (use 0-based indices)"
            throw DataError(file: path, location: .file, kind: .unknownColumn, message: "no truth column named \(quoted(reference)); \(known)")
        }
        if column.kind == .number {
            let example = column.sample.map { ": \(quoted($0)) on line \(column.sampleLine ?? 0)" } ?? ""
            throw DataError(file: path, location: .file, kind: .unusableColumn,
                            message: "truth column \(quoted(column.name)) holds numbers that are not integers\(example); choose a text or integer column")
        }
        return column
    }

    /// Labels from the truth column's fields; at least two distinct values are needed.
    static func truthLabels(_ fields: [String], column: ColumnProfile, path: String) throws -> TruthLabels {
        var codes: [String: Int] = [:]
        var names: [String] = []
        var labels: [Int] = []
        labels.reserveCapacity(fields.count)
        for field in fields {
            if let code = codes[field] {
                labels.append(code)
            } else {
                codes[field] = names.count
                labels.append(names.count)
                names.append(field)
            }
        }
        if names.count < 2 {
            throw DataError(file: path, location: .file, kind: .unusableColumn,
                            message: "truth column \(quoted(column.name)) has only one value (\(quoted(names.first ?? ""))) in \(fields.count) rows; choose a column with two or more labels")
        }
        return TruthLabels(column: column.name, names: names, labels: labels)
    }
}
