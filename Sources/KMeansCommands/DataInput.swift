import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator

/// Reading the `--data` file for a command.
struct DataInput {
    let path: String
    let options: DataReadOptions
    /// What was left out of a CSV/TSV file holding text columns (nil when every column is read as given).
    let leftOut: String?

    /// Without explicit feature columns, a text file whose first data row holds text keeps the features the
    /// workbench keeps (``TableLoader/featureSelection(path:options:)``: text and row id columns left out), with a
    /// one-line note on standard error unless `quiet`.
    init(_ dataOptions: DataOptions, featureColumns: [String]?, rejectAllZeroRows: Bool = false, quiet: Bool = false) throws {
        guard let path = dataOptions.data else { throw CLIError.usage("--data FILE is required ('-' reads standard input)") }
        try dataOptions.checkParameters()
        self.path = path
        var options = dataOptions.readOptions(featureColumns: featureColumns)
        options.rejectAllZeroRows = rejectAllZeroRows
        let selection = try TableLoader.featureSelection(path: path, options: options)
        if let selection {
            options.featureColumns = selection.featureColumns
            if !quiet { StandardError.write("note: \(path): \(selection.note)\n") }
        }
        leftOut = selection?.note
        self.options = options
    }

    /// Every row, checked against the model's width when it is known.
    func loadAll(expectedColumns: Int?) throws -> LoadedData {
        let data = try DataLoader.load(path: path, options: options)
        try checkWidth(data.matrix.columns, expectedColumns)
        return data
    }

    /// Opens a streaming reader, checked against the model's width when it is known.
    func openReader(expectedColumns: Int?) throws -> DataReader {
        let reader = try DataReader(path: path, options: options)
        try checkWidth(reader.columns, expectedColumns)
        return reader
    }

    /// The error for a pass that found no usable row (`skipped` rows were skipped as invalid).
    func noRows(skipped: Int) -> DataError {
        DataError(file: path, location: .file, kind: .noDataRows,
                  message: skipped > 0 ? "no valid rows (all \(skipped) were skipped)" : "no data rows")
    }

    func checkWidth(_ columns: Int, _ expected: Int?) throws {
        if let expected, columns != expected {
            throw DataError(file: path, location: .file, kind: .dimensionMismatch,
                            message: "has \(columns) feature column\(columns == 1 ? "" : "s") but the model's centres have \(expected) (dimension mismatch)")
        }
    }

    /// A pass over the whole file that checks every row and counts them, holding one batch at a time.
    func validatedRowCount(expectedColumns: Int?) throws -> (rows: Int, columns: Int, skipped: Int, names: [String]?) {
        let reader = try openReader(expectedColumns: expectedColumns)
        var rows = 0
        while let batch = try reader.nextBatch(maxRows: 1 << 16) { rows += batch.rows }
        if rows == 0 { throw noRows(skipped: reader.skippedRows) }
        return (rows, reader.columns, reader.skippedRows, options.featureColumns ?? reader.columnNames)
    }

    /// The batches of a sequential `schedule` read from the file, step-indexed: a run at global step g starts
    /// reading at batch g's first row, so resuming continues the data. Holds one batch at a time.
    func streamingInput(_ schedule: BatchSchedule, expectedColumns: Int?) -> InputFunction {
        InputFunction(stepIndexed: { step in
            var reader: DataReader?
            var position = 0
            var index = step
            return BatchStream {
                guard let (_, positions) = schedule.location(ofBatch: index) else { return nil }
                index += 1
                if reader == nil || position != positions.lowerBound {
                    reader = try openReader(expectedColumns: expectedColumns)
                    position = 0
                    while position < positions.lowerBound,
                          let skipped = try reader?.nextBatch(maxRows: min(1 << 16, positions.lowerBound - position)) {
                        position += skipped.rows
                    }
                }
                guard let batch = try reader?.nextBatch(maxRows: positions.count) else { throw noRows(skipped: reader?.skippedRows ?? 0) }
                position += batch.rows
                return InputBatch(batch)
            }
        })
    }

    /// The file as rows outside memory when its data is larger than `budget` (nil when it fits, or comes from
    /// standard input): a 2-D float32 `.npy` read by row range, in chunks that keep `threads` of them within the
    /// budget. Throws a one-line error for a file that cannot be streamed (text, another dtype, --skip-invalid,
    /// --feature-columns) or a budget smaller than one row per core.
    func streamedRows(budget: MemoryBudget, threads: Int, expectedColumns: Int?) throws -> StreamedRows? {
        guard path != "-", let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
              size > budget.bytes else { return nil }
        let past = "\(path) (\(MemoryBudget(bytes: size).description)) is larger than --memory-limit \(budget.description)"
        guard NPYRangedReader.isNPY(path: path) else {
            throw CLIError.data("\(past): full-batch training past the budget streams .npy files only; convert it to a float32 .npy (numpy: np.save('data.npy', np.loadtxt('\(path)', delimiter=',', dtype='<f4'))), raise --memory-limit, or train in mini-batches (--batch-size)")
        }
        if options.skipInvalid || options.featureColumns != nil {
            throw CLIError.parameter("\(past): streamed full-batch training reads every column and row as stored; drop \(options.skipInvalid ? "--skip-invalid" : "--feature-columns") (clean or slice the file with numpy) or raise --memory-limit")
        }
        let reader = try NPYRangedReader(path: path)
        try checkWidth(reader.columns, expectedColumns)
        if reader.rows == 0 { throw noRows(skipped: 0) }
        let columns = reader.columns, rejectAllZeroRows = options.rejectAllZeroRows, file = path
        let chunkRows = try budget.chunkRows(columns: columns, threads: threads, file: path)
        return StreamedRows(rows: reader.rows, columns: columns, chunkRows: chunkRows, threads: threads) { range, buffer in
            try reader.read(rows: range, into: buffer)
            if let bad = buffer.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: file, location: .element(row: range.lowerBound + bad / columns + 1, column: bad % columns + 1), kind: .nonFinite,
                                message: "\(buffer[bad]) is not a finite number (streamed full-batch training reads every row: remove such rows from the file)")
            }
            guard rejectAllZeroRows else { return }
            for row in 0..<range.count where buffer[(row * columns)..<((row + 1) * columns)].allSatisfy({ $0 == 0 }) {
                throw DataError(file: file, location: .element(row: range.lowerBound + row + 1, column: 1), kind: .allZeroRow,
                                message: "row is all zeros: cosine distance is undefined for it (remove such rows from the file)")
            }
        }
    }

    /// Batches of at most `batchSize` rows in file order, once (for evaluation and prediction).
    func singlePassInput(batchSize: Int, expectedColumns: Int?) -> InputFunction {
        InputFunction {
            let reader = try openReader(expectedColumns: expectedColumns)
            var batches = BatchIterator(reader: reader, batchSize: batchSize, cycles: false)
            return BatchStream { try batches.next().map { InputBatch($0) } }
        }
    }
}
