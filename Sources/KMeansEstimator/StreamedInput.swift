import KMeansCore

/// Rows that stay outside memory (a file larger than the memory budget): loaded chunk by chunk on every pass.
public struct StreamedRows: Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of features per row.
    public let columns: Int
    /// Most rows one worker holds at a time.
    public let chunkRows: Int
    /// Worker threads of a pass (nil: every core); at most this many chunks are in memory at once.
    public let threads: Int?
    /// Loads a range of rows (called from worker threads, for disjoint ranges).
    public let load: StreamedRowLoader

    /// Rows `0..<rows` of `columns` features that `load` supplies at most `chunkRows` at a time.
    public init(rows: Int, columns: Int, chunkRows: Int, threads: Int? = nil, load: @escaping StreamedRowLoader) {
        self.rows = rows
        self.columns = columns
        self.chunkRows = chunkRows
        self.threads = threads
        self.load = load
    }

    /// Rows `range`, in order.
    public func read(_ range: Range<Int>) throws -> Matrix {
        var values = [Float](repeating: 0, count: range.count * columns)
        try values.withUnsafeMutableBufferPointer { try load(range, $0) }
        return Matrix(rows: range.count, columns: columns, values: values)
    }

    /// The rows at `indices`, in that order (duplicates included).
    public func gather(_ indices: [Int]) throws -> Matrix {
        var values = [Float](repeating: 0, count: indices.count * columns)
        try values.withUnsafeMutableBufferPointer { buffer in
            for (position, row) in indices.enumerated() {
                try load(row..<(row + 1), UnsafeMutableBufferPointer(rebasing: buffer[(position * columns)..<((position + 1) * columns)]))
            }
        }
        return Matrix(rows: indices.count, columns: columns, values: values)
    }
}

extension InputFunction {
    /// Full-batch training data outside memory: `train` runs every step as one streamed pass over `rows` (the
    /// in-memory step's numbers, bit for bit), and initialises from the rows the init op reads. Random or explicit
    /// initial centres only; full batch only. Other consumers (evaluation, prediction) see the rows once, in
    /// batches of `chunkRows`.
    public static func streamed(_ rows: StreamedRows) -> InputFunction {
        var input = InputFunction {
            var start = 0
            return BatchStream {
                guard start < rows.rows else { return nil }
                let end = min(rows.rows, start + rows.chunkRows)
                defer { start = end }
                return InputBatch(try rows.read(start..<end))
            }
        }
        input.streamedRows = rows
        return input
    }
}
