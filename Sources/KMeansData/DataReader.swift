import KMeansCore

/// Reads a data file (CSV / TSV / `.npy`, or `-` for standard input) as batches of rows.
///
/// The reader holds one buffer of the file and one batch at a time, so files larger than memory can be
/// streamed. Use ``DataLoader`` to read a whole file into one ``Matrix``.
public final class DataReader {
    /// The path as given (`-` for standard input).
    public let path: String
    /// The detected or requested format.
    public let format: DataFormat
    private let rows: RowSource

    /// Opens `path` and reads its header (text header row or `.npy` header), detecting what `options` leave open.
    public init(path: String, options: DataReadOptions = DataReadOptions()) throws {
        self.path = path
        let source = try ByteSource(path: path)
        _ = try source.ensure(8)
        let head = (source.start..<min(source.end, source.start + 6)).map { source[$0] }
        let isNPY = head == NPYHeader.magic
        let chosen = options.format ?? (isNPY ? .npy : .text)
        format = chosen
        switch chosen {
        case .npy:
            if !options.keptColumns.isEmpty {
                throw DataError(file: path, location: .file, kind: .unknownColumn, message: "a .npy file has no text columns to keep")
            }
            rows = try NPYRowSource(source: source, options: options)
        case .text:
            if isNPY {
                throw DataError(file: path, location: .file, kind: .badHeader, message: "this is a .npy file, not text")
            }
            rows = try TextRowSource(source: source, bomLength: source.skipByteOrderMark(), options: options)
        }
    }

    /// The number of columns each row has (after feature-column selection).
    public var columns: Int { rows.columns }
    /// The header's column names (all columns of the file, before selection), when the file has a header.
    public var columnNames: [String]? { rows.columnNames }
    /// Rows skipped so far because they held NaN, ±infinity or empty fields (only with `skipInvalid`).
    public var skippedRows: Int { rows.skippedRows }
    /// The number of rows when the format declares it up front (`.npy`), before any are skipped.
    public var declaredRowCount: Int? { rows.declaredRowCount }
    /// Whether ``rewind()`` works (false for text read from a pipe).
    public var canRewind: Bool { rows.canRewind }

    /// The next batch of up to `maxRows` rows, or nil when the data is exhausted.
    public func nextBatch(maxRows: Int) throws -> Matrix? {
        precondition(maxRows > 0, "batch size must be positive")
        var values: [Float] = []
        values.reserveCapacity(min(maxRows, 1 << 16) * columns)
        let count = try rows.readRows(maxRows: maxRows, into: &values)
        return count == 0 ? nil : Matrix(rows: count, columns: columns, values: values)
    }

    /// The text of each of `options.keptColumns` for the rows read since the last call, one array per kept column
    /// in the order given, one entry per accepted row (skipped rows leave none).
    public func takeKeptFields() -> [[String]] { rows.takeKeptFields() }

    /// Goes back to the first data row (and resets ``skippedRows``).
    public func rewind() throws {
        try rows.rewind()
    }

    /// Reads every remaining row into one matrix.
    public func readAll() throws -> Matrix {
        var values: [Float] = []
        var total = 0
        if let declared = declaredRowCount, canRewind {
            // Only a rewindable source's size vouched for the declared shape; a pipe's header may claim anything.
            values.reserveCapacity(declared * columns)
        } else if let size = rows.byteSize {
            // Estimate the row count from the first rows' bytes so the array does not grow by doubling (which
            // would briefly hold the data twice).
            let start = rows.bytePosition
            total = try rows.readRows(maxRows: 4096, into: &values)
            let consumed = rows.bytePosition - start
            if total > 0, consumed > 0 {
                let estimate = Double(total) * Double(max(size - start, consumed)) / Double(consumed)
                values.reserveCapacity(Int(estimate * 1.05 + 64) * columns)
            }
        }
        while true {
            let count = try rows.readRows(maxRows: 1 << 16, into: &values)
            if count == 0 { break }
            total += count
        }
        return Matrix(rows: total, columns: columns, values: values)
    }
}

/// A whole data file in memory.
public struct LoadedData: Sendable, Equatable {
    /// The rows, as read (after column selection and skipping).
    public var matrix: Matrix
    /// The header's column names, if the file had a header.
    public var columnNames: [String]?
    /// The names of the selected columns, in matrix order (header names, or 0-based indices as text).
    public var featureNames: [String]
    /// Rows skipped because they held NaN, ±infinity or empty fields.
    public var skippedRows: Int
    /// The format that was read.
    public var format: DataFormat
}

/// Reads whole data files.
public enum DataLoader {
    /// Reads every row of `path` (`-` for standard input) into a matrix. Fails with a ``DataError`` when the file
    /// has no usable rows.
    public static func load(path: String, options: DataReadOptions = DataReadOptions()) throws -> LoadedData {
        let reader = try DataReader(path: path, options: options)
        let matrix = try reader.readAll()
        if matrix.rows == 0 {
            let message = reader.skippedRows > 0 ? "no valid rows (all \(reader.skippedRows) held NaN, infinity or empty fields)" : "no data rows"
            throw DataError(file: path, location: .file, kind: .noDataRows, message: message)
        }
        let featureNames: [String]
        if let wanted = options.featureColumns {
            featureNames = wanted
        } else {
            featureNames = reader.columnNames ?? (0..<reader.columns).map(String.init)
        }
        return LoadedData(matrix: matrix, columnNames: reader.columnNames, featureNames: featureNames,
                          skippedRows: reader.skippedRows, format: reader.format)
    }
}

/// Batches of a fixed size read from a ``DataReader`` in file order, optionally cycling over the data forever.
///
/// When cycling, a batch that reaches the end of the data continues from the first row, so every batch has
/// exactly `batchSize` rows (rows repeat within a batch only when the data has fewer rows than that). Data that
/// cannot be re-read (text from a pipe) is kept in memory during the first pass so it can be cycled.
public struct BatchIterator {
    private let reader: DataReader
    /// Rows per batch.
    public let batchSize: Int
    /// Whether to start over at the end of the data.
    public let cycles: Bool
    private var cache: [Float]? = nil
    private var cachePosition = 0
    private var cacheComplete = false
    /// Completed passes over the data.
    public private(set) var epochs = 0

    /// Creates an iterator over `reader`'s rows; `batchSize` must be positive.
    public init(reader: DataReader, batchSize: Int, cycles: Bool) {
        precondition(batchSize > 0, "batch size must be positive")
        self.reader = reader
        self.batchSize = batchSize
        self.cycles = cycles
        if cycles && !reader.canRewind { cache = [] }
    }

    /// The next batch, or nil when the data is exhausted (never nil when cycling over non-empty data).
    public mutating func next() throws -> Matrix? {
        var values: [Float] = []
        var count = 0
        var emptyPasses = 0
        while count < batchSize {
            let part = try nextPart(maxRows: batchSize - count)
            if let part {
                values.append(contentsOf: part.values)
                count += part.rows
                emptyPasses = 0
            } else {
                if !cycles { break }
                epochs += 1
                emptyPasses += 1
                if emptyPasses > 1 { break }
                try restart()
            }
        }
        if !cycles, count == 0 { epochs += 1 }
        return count == 0 ? nil : Matrix(rows: count, columns: reader.columns, values: values)
    }

    private mutating func nextPart(maxRows: Int) throws -> Matrix? {
        if cacheComplete, let cache {
            let columns = reader.columns
            let available = cache.count / columns - cachePosition
            if available == 0 { return nil }
            let take = min(available, maxRows)
            let part = Array(cache[(cachePosition * columns)..<((cachePosition + take) * columns)])
            cachePosition += take
            return Matrix(rows: take, columns: columns, values: part)
        }
        let batch = try reader.nextBatch(maxRows: maxRows)
        if let batch, cache != nil { cache!.append(contentsOf: batch.values) }
        return batch
    }

    private mutating func restart() throws {
        if cache != nil {
            cacheComplete = true
            cachePosition = 0
        } else {
            try reader.rewind()
        }
    }
}
