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
///
/// An input function built on a `BatchSchedule` (`batches`, `columns(_:batchSize:…)`) is *step-indexed*: `train`
/// opens it at the model's global step, so a resumed run takes exactly the batches an uninterrupted run would
/// (TF's `input_fn` restarts at its first batch on every call). Others restart on every call, as in TF.
public struct InputFunction {
    private let open: (_ globalStep: Int64) throws -> BatchStream
    /// Whether the stream depends on the global step it is opened at.
    public let isStepIndexed: Bool
    /// The rows of a full-batch input that stays outside memory (``streamed(_:)``); nil for batches in memory.
    public internal(set) var streamedRows: StreamedRows? = nil

    /// An input function from a stream factory; every call starts the same stream again (TF's semantics).
    public init(_ makeStream: @escaping () throws -> BatchStream) {
        open = { _ in try makeStream() }
        isStepIndexed = false
    }

    /// A step-indexed input function: `makeStream(g)` returns the batches from the one training step `g` takes on.
    public init(stepIndexed makeStream: @escaping (_ globalStep: Int64) throws -> BatchStream) {
        open = makeStream
        isStepIndexed = true
    }

    /// Makes a fresh stream from the first batch (evaluation, prediction).
    public func makeStream() throws -> BatchStream { try open(0) }

    /// Makes the stream a training run at `globalStep` continues with (the first batch for other inputs).
    public func makeStream(atGlobalStep globalStep: Int64) throws -> BatchStream { try open(globalStep) }

    /// The whole matrix as one batch per epoch, for `epochs` epochs (nil: forever, like a constant tensor;
    /// 1: TF's `limit_epochs(…, num_epochs=1)`). Every batch is the same, so resuming needs no step.
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

    /// Batches of `batchSize` rows per `BatchSchedule` (the last of each epoch may be smaller), for `epochs`
    /// passes from the batch a run starts at (nil: forever). With `shuffleSeed`, each epoch visits the rows in the
    /// permutation the seed and the epoch number fix. Step-indexed: training resumes at the global step's batch.
    public static func batches(_ points: Matrix, batchSize: Int, epochs: Int? = 1, shuffleSeed: UInt64? = nil) -> InputFunction {
        scheduled(rows: points.rows, batchSize: batchSize, epochs: epochs, shuffleSeed: shuffleSeed) { batches, index in
            batches.batch(index, of: points).map { InputBatch($0) }
        }
    }

    /// Named columns (each n × c) in batches of `batchSize` rows, in order or shuffled by seed, for `epochs` passes.
    public static func columns(_ columns: [String: Matrix], batchSize: Int, epochs: Int? = 1, shuffleSeed: UInt64? = nil) -> InputFunction {
        let rows = columns.values.first?.rows ?? 0
        let batches = scheduled(rows: rows, batchSize: batchSize, epochs: epochs, shuffleSeed: shuffleSeed) { batches, index in
            batches.rows(ofBatch: index).map { order in InputBatch(features: .columns(columns.mapValues { $0.gathering(rows: order) })) }
        }
        return InputFunction(stepIndexed: { step in
            if let (key, column) = columns.sorted(by: { $0.key < $1.key }).first(where: { $0.value.rows != rows }) {
                throw KMeansError.invalidInput("feature column '\(key)' has \(column.rows) rows, other columns have \(rows)")
            }
            return try batches.makeStream(atGlobalStep: step)
        })
    }

    /// A stream over the schedule's batches from the global step's batch, `epochs` epochs' worth of batches long.
    private static func scheduled(
        rows: Int, batchSize: Int, epochs: Int?, shuffleSeed: UInt64?,
        make: @escaping (inout ScheduledBatches, Int64) -> InputBatch?
    ) -> InputFunction {
        InputFunction(stepIndexed: { step in
            let schedule = try BatchSchedule(rows: rows, batchSize: batchSize, shuffleSeed: shuffleSeed, epochs: epochs)
            var batches = ScheduledBatches(try BatchSchedule(rows: rows, batchSize: batchSize, shuffleSeed: shuffleSeed))
            let end = epochs.map { step + Int64($0) * schedule.batchesPerEpoch }
            var index = max(0, step)
            return BatchStream {
                if let end, index >= end { return nil }
                defer { index += 1 }
                return make(&batches, index)
            }
        })
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

