/// A dense row-major matrix of `Float`, the one data container of the library.
///
/// Rows are examples (or cluster centres), columns are features. Storage is one contiguous array of
/// `rows × columns` values, so hot loops can open it once as an unsafe buffer.
public struct Matrix: Sendable, Equatable, Hashable {
    /// Number of rows (examples or centres).
    public private(set) var rows: Int
    /// Number of columns (features).
    public let columns: Int
    /// Row-major values: element (i, j) is `values[i * columns + j]`.
    public private(set) var values: [Float]

    /// Creates a matrix from row-major values; `values.count` must equal `rows × columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape")
        precondition(values.count == rows * columns, "matrix of \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Creates a `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: value, count: rows * columns))
    }

    /// Creates a matrix from nested rows, all of the same length. An empty list gives a 0 × `columns` matrix.
    public init(_ nestedRows: [[Float]], columns: Int? = nil) {
        let width = nestedRows.first?.count ?? columns ?? 0
        precondition(nestedRows.allSatisfy { $0.count == width }, "ragged rows")
        self.init(rows: nestedRows.count, columns: width, values: nestedRows.flatMap { $0 })
    }

    /// The element at (`row`, `column`).
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The values of one row.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * columns)..<((index + 1) * columns)]
    }

    /// The rows as nested arrays (for printing and tests; not for hot loops).
    public var nestedRows: [[Float]] {
        (0..<rows).map { Array(row($0)) }
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns, values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The rows at `indices`, in that order (indices may repeat).
    public func gathering(rows indices: some Sequence<Int>) -> Matrix {
        var out: [Float] = []
        var count = 0
        for i in indices { out.append(contentsOf: row(i)); count += 1 }
        return Matrix(rows: count, columns: columns, values: out)
    }

    /// This matrix with `other`'s rows appended below; the column counts must match (an empty matrix adopts them).
    public func appending(rows other: Matrix) -> Matrix {
        if rows == 0 { return other }
        if other.rows == 0 { return self }
        precondition(columns == other.columns, "cannot stack \(columns)-column and \(other.columns)-column matrices")
        return Matrix(rows: rows + other.rows, columns: columns, values: values + other.values)
    }

    /// Mutable access to the storage for hot loops.
    public mutating func withUnsafeMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer { try body($0) }
    }
}
