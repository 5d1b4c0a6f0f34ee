/// Whether the first row of a text file names the columns.
public enum HeaderPolicy: String, Sendable, Equatable {
    /// A header is assumed when no field of the first row is a number.
    case detect
    /// The first row is always a header.
    case present
    /// The first row is always data.
    case absent
}

/// The format of a data file.
public enum DataFormat: String, Sendable, Equatable {
    /// Delimited text: CSV, TSV, semicolon- or whitespace-separated.
    case text
    /// A NumPy `.npy` array.
    case npy
}

/// How to read a data file.
public struct DataReadOptions: Sendable, Equatable {
    /// The file format; nil detects it from the content (the `.npy` magic bytes) and falls back to text.
    public var format: DataFormat?
    /// The text delimiter; nil detects it from the first data line (`.tsv` files are always tab-separated).
    public var delimiter: Delimiter?
    /// Whether the first text row is a header.
    public var header: HeaderPolicy
    /// The columns to read, by header name or, failing that, by 0-based index (`.npy`: by index only); nil reads
    /// every column.
    /// Columns not selected may hold anything (labels, ids) but still count for the ragged-row check.
    public var featureColumns: [String]?
    /// Skip rows holding NaN, ±infinity or an empty field (counted in `skippedRows`) instead of failing.
    public var skipInvalid: Bool
    /// Treat rows of all zeros as invalid (for cosine distance, where they have no direction): an error, or
    /// skipped with `skipInvalid`.
    public var rejectAllZeroRows: Bool
    /// Text columns (0-based) whose fields are kept as text beside the features, one per accepted row (row ids,
    /// truth labels): read them with ``DataReader/takeKeptFields()``. Not for `.npy` files.
    public var keptColumns: [Int]

    /// Creates options; the defaults detect everything and reject invalid values.
    public init(format: DataFormat? = nil, delimiter: Delimiter? = nil, header: HeaderPolicy = .detect,
                featureColumns: [String]? = nil, skipInvalid: Bool = false, rejectAllZeroRows: Bool = false,
                keptColumns: [Int] = []) {
        self.keptColumns = keptColumns
        self.format = format
        self.delimiter = delimiter
        self.header = header
        self.featureColumns = featureColumns
        self.skipInvalid = skipInvalid
        self.rejectAllZeroRows = rejectAllZeroRows
    }
}

/// A source of rows that the public reader drives; one per format.
protocol RowSource: AnyObject {
    var columns: Int { get }
    var columnNames: [String]? { get }
    var skippedRows: Int { get }
    var canRewind: Bool { get }
    /// The number of rows, when known without reading them.
    var declaredRowCount: Int? { get }
    /// How far into the file reading has got, in bytes.
    var bytePosition: Int { get }
    /// The file's size in bytes (nil for pipes).
    var byteSize: Int? { get }
    /// Appends up to `maxRows` rows to `values`; returns how many were appended (0 at the end).
    func readRows(maxRows: Int, into values: inout [Float]) throws -> Int
    /// Goes back to the first data row.
    func rewind() throws
    /// The kept columns' fields of the rows read since the last call (one array per kept column).
    func takeKeptFields() -> [[String]]
}

extension RowSource {
    /// No kept columns by default.
    func takeKeptFields() -> [[String]] { [] }
}
