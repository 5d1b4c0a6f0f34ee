import KMeansCore

/// The features of one batch: a matrix, or named columns (TF's feature dict).
public enum Features: Sendable, Equatable {
    /// An n × d float32 matrix, used as is.
    case matrix(Matrix)
    /// Named columns, each n × c (usually c = 1); concatenated in sorted name order, or selected by feature columns.
    case columns([String: Matrix])
}

/// One batch as an input function delivers it; labels are accepted and ignored, as in TF.
public struct InputBatch: Sendable, Equatable {
    /// The features.
    public var features: Features
    /// Optional labels (ignored by k-means).
    public var labels: Matrix?

    /// Creates a batch from features and optional labels.
    public init(features: Features, labels: Matrix? = nil) {
        self.features = features
        self.labels = labels
    }

    /// A batch of a feature matrix.
    public init(_ points: Matrix) { self.init(features: .matrix(points)) }
}

/// A stream of batches ending when the data ends (TF's `OutOfRangeError`/`StopIteration`): `next()` returns nil.
public struct BatchStream {
    private let nextBatch: () throws -> InputBatch?

    /// A stream whose batches come from `next` until it returns nil.
    public init(_ next: @escaping () throws -> InputBatch?) { nextBatch = next }

    /// A stream over a finite or infinite sequence of batches.
    public init<S: Sequence>(_ batches: S) where S.Element == InputBatch {
        var iterator = batches.makeIterator()
        let box = IteratorBox(next: { iterator.next() })
        nextBatch = { box.next() }
    }

    /// The next batch, or nil at the end of the data.
    public func next() throws -> InputBatch? { try nextBatch() }
}

private final class IteratorBox {
    let next: () -> InputBatch?
    init(next: @escaping () -> InputBatch?) { self.next = next }
}

/// TF's `input_fn`: called at the start of every `train`/`evaluate`/`predict`, it returns a fresh stream of batches.
public struct InputFunction {
    /// Makes a fresh stream.
    public let makeStream: () throws -> BatchStream

    /// An input function from a stream factory.
    public init(_ makeStream: @escaping () throws -> BatchStream) { self.makeStream = makeStream }

    /// The whole matrix as one batch per epoch, for `epochs` epochs (nil: forever, like a constant tensor;
    /// 1: TF's `limit_epochs(…, num_epochs=1)`).
    public static func wholeArray(_ points: Matrix, epochs: Int? = 1) -> InputFunction {
        InputFunction {
            var served = 0
            return BatchStream {
                if let epochs, served >= epochs { return nil }
                served += 1
                return InputBatch(points)
            }
        }
    }

    /// Consecutive batches of `batchSize` rows (the last one may be smaller), for `epochs` passes (nil: forever).
    /// With `shuffleSeed`, each epoch visits the rows in a fresh seeded permutation; the same seed gives the same
    /// batches on every call.
    public static func batches(_ points: Matrix, batchSize: Int, epochs: Int? = 1, shuffleSeed: UInt64? = nil) -> InputFunction {
        rowBatches(rows: points.rows, batchSize: batchSize, epochs: epochs, shuffleSeed: shuffleSeed) { order in
            InputBatch(points.gathering(rows: order))
        }
    }

    /// Named columns (each n × c) in batches of `batchSize` rows, in order or shuffled by seed, for `epochs` passes.
    public static func columns(_ columns: [String: Matrix], batchSize: Int, epochs: Int? = 1, shuffleSeed: UInt64? = nil) -> InputFunction {
        let rows = columns.values.first?.rows ?? 0
        let batches = rowBatches(rows: rows, batchSize: batchSize, epochs: epochs, shuffleSeed: shuffleSeed) { order in
            InputBatch(features: .columns(columns.mapValues { $0.gathering(rows: order) }))
        }
        return InputFunction {
            if let (key, column) = columns.sorted(by: { $0.key < $1.key }).first(where: { $0.value.rows != rows }) {
                throw KMeansError.invalidInput("feature column '\(key)' has \(column.rows) rows, other columns have \(rows)")
            }
            return try batches.makeStream()
        }
    }

    private static func rowBatches(
        rows: Int, batchSize: Int, epochs: Int?, shuffleSeed: UInt64?, make: @escaping (ArraySlice<Int>) -> InputBatch
    ) -> InputFunction {
        InputFunction {
            guard batchSize > 0 else {
                throw KMeansError.invalidArgument(argument: "batchSize", reason: "must be > 0, given: \(batchSize)")
            }
            if let epochs, epochs < 0 {
                throw KMeansError.invalidArgument(argument: "epochs", reason: "must be ≥ 0 or nil, given: \(epochs)")
            }
            var epoch = 0
            var offset = 0
            var generator = SplitMix64(seed: shuffleSeed ?? 0)
            var order = Array(0..<rows)
            if shuffleSeed != nil { order.shuffle(using: &generator) }
            return BatchStream {
                guard rows > 0 else { return nil }
                if let epochs, epoch >= epochs { return nil }
                if offset >= rows {
                    epoch += 1
                    offset = 0
                    if let epochs, epoch >= epochs { return nil }
                    order = Array(0..<rows)
                    if shuffleSeed != nil { order.shuffle(using: &generator) }
                }
                let end = min(offset + batchSize, rows)
                defer { offset = end }
                return make(order[offset..<end])
            }
        }
    }

    /// Named columns (each n × c) delivered whole, once per epoch (nil: forever).
    public static func columns(_ columns: [String: Matrix], epochs: Int? = 1) -> InputFunction {
        InputFunction {
            var served = 0
            return BatchStream {
                if let epochs, served >= epochs { return nil }
                served += 1
                return InputBatch(features: .columns(columns))
            }
        }
    }

    /// Exactly these batches, in order, once.
    public static func sequence(_ batches: [Matrix]) -> InputFunction {
        InputFunction { BatchStream(batches.map { InputBatch($0) }) }
    }
}

/// A numeric feature column (TF's `numeric_column(key, shape=dimension)`): selects a named column of width
/// `dimension`.
public struct NumericColumn: Sendable, Hashable {
    /// The feature key.
    public var key: String
    /// The column's width.
    public var dimension: Int

    /// A numeric column named `key` of width `dimension`.
    public init(_ key: String, dimension: Int = 1) {
        self.key = key
        self.dimension = dimension
    }
}

/// TF's `_parse_features_if_necessary`: a matrix passes through; columns are concatenated in sorted key order,
/// or, with feature columns, only those columns in TF's `input_layer` order (sorted by name).
func parseFeatures(_ features: Features, featureColumns: [NumericColumn]?) throws -> Matrix {
    switch features {
    case .matrix(let points):
        return points
    case .columns(let columns):
        let selected: [(key: String, width: Int?)]
        if let featureColumns {
            selected = featureColumns.sorted { $0.key < $1.key }.map { ($0.key, $0.dimension) }
        } else {
            selected = columns.keys.sorted().map { ($0, nil) }
        }
        guard !selected.isEmpty else { throw KMeansError.invalidInput("no feature columns to use") }
        var rows: Int?
        var parts: [Matrix] = []
        for (key, width) in selected {
            guard let column = columns[key] else {
                throw KMeansError.invalidInput("feature column '\(key)' is missing from the input (have: \(columns.keys.sorted().joined(separator: ", ")))")
            }
            if let width, column.columns != width {
                throw KMeansError.invalidInput("feature column '\(key)' has width \(column.columns), expected \(width)")
            }
            if let rows, rows != column.rows {
                throw KMeansError.invalidInput("feature column '\(key)' has \(column.rows) rows, other columns have \(rows)")
            }
            rows = column.rows
            parts.append(column)
        }
        let n = rows ?? 0
        let width = parts.reduce(0) { $0 + $1.columns }
        var values: [Float] = []
        values.reserveCapacity(n * width)
        for i in 0..<n {
            for part in parts { values.append(contentsOf: part.row(i)) }
        }
        return Matrix(rows: n, columns: width, values: values)
    }
}

