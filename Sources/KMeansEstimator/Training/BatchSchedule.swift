import KMeansCore

/// Which rows every training batch holds, as a function of the batch number (the global step): the training
/// layer's one batch schedule, used by the built-in input functions, `kmeans train` and the workbench.
///
/// The rows are visited epoch by epoch, in file order or, with a seed, in a fresh permutation per epoch fixed by
/// the seed and the epoch number alone; each epoch is cut into batches of `batchSize` rows, the last one smaller
/// when the rows do not divide evenly (as `tf.data`'s `batch`). Because batch `b` depends on nothing but `b`, a
/// run resumed at global step `g` takes exactly the batches an uninterrupted run would.
public struct BatchSchedule: Sendable, Equatable {
    /// Rows in the data.
    public let rows: Int
    /// Rows per batch; nil: every batch is the whole data (full batch).
    public let batchSize: Int?
    /// Seed of the per-epoch permutations; nil visits the rows in order.
    public let shuffleSeed: UInt64?
    /// Number of epochs the data offers; nil: forever.
    public let epochs: Int?

    /// A schedule over `rows` rows; throws naming `batchSize` or `epochs` when they cannot describe batches.
    public init(rows: Int, batchSize: Int?, shuffleSeed: UInt64? = nil, epochs: Int? = nil) throws {
        if let batchSize, batchSize <= 0 {
            throw KMeansError.invalidArgument(argument: "batchSize", reason: "must be > 0, given: \(batchSize)")
        }
        if let epochs, epochs < 0 {
            throw KMeansError.invalidArgument(argument: "epochs", reason: "must be ≥ 0 or nil, given: \(epochs)")
        }
        self.rows = max(0, rows)
        self.batchSize = batchSize
        self.shuffleSeed = shuffleSeed
        self.epochs = epochs
    }

    /// Batches in one epoch (1 for full batch; 0 without rows).
    public var batchesPerEpoch: Int64 {
        guard rows > 0 else { return 0 }
        guard let batchSize else { return 1 }
        return Int64((rows + batchSize - 1) / batchSize)
    }

    /// Where batch `index` lies: its epoch and the range of positions within that epoch's order; nil past the
    /// last epoch (or without rows).
    public func location(ofBatch index: Int64) -> (epoch: Int64, positions: Range<Int>)? {
        let perEpoch = batchesPerEpoch
        guard index >= 0, perEpoch > 0 else { return nil }
        let epoch = index / perEpoch
        if let epochs, epoch >= Int64(epochs) { return nil }
        guard let batchSize else { return (epoch, 0..<rows) }
        let start = Int(index % perEpoch) * batchSize
        return (epoch, start..<min(rows, start + batchSize))
    }

    /// The order in which epoch `epoch` visits the rows: 0…rows−1, or the seeded permutation of that epoch.
    public func order(epoch: Int64) -> [Int] {
        var orders = EpochOrders(self)
        return orders.order(epoch: epoch)
    }

    /// Whether every epoch visits the rows in file order (so a batch is a contiguous run of rows).
    public var isSequential: Bool { shuffleSeed == nil }
}

/// The per-epoch row orders of a schedule. Epoch e's permutation is the identity shuffled by the seed's generator
/// after it shuffled epochs 0…e−1 (so the orders are fixed by the seed and the epoch number, and equal the
/// library's earlier shuffled batches); drawing the epochs in turn costs one shuffle each.
struct EpochOrders: Sendable {
    let schedule: BatchSchedule
    private var epoch: Int64 = -1
    private var current: [Int] = []
    private var generator: SplitMix64

    init(_ schedule: BatchSchedule) {
        self.schedule = schedule
        generator = SplitMix64(seed: schedule.shuffleSeed ?? 0)
    }

    mutating func order(epoch wanted: Int64) -> [Int] {
        guard schedule.shuffleSeed != nil else { return Array(0..<schedule.rows) }
        if wanted < epoch { self = EpochOrders(schedule) }
        while epoch < wanted {
            current = Array(0..<schedule.rows)
            current.shuffle(using: &generator)
            epoch += 1
        }
        return current
    }
}

/// Batches of a schedule drawn one after another, keeping the current epoch's order so that consecutive batches
/// cost their rows only.
public struct ScheduledBatches: Sendable {
    /// The schedule.
    public let schedule: BatchSchedule
    private var orders: EpochOrders

    /// Draws from `schedule`.
    public init(_ schedule: BatchSchedule) {
        self.schedule = schedule
        orders = EpochOrders(schedule)
    }

    /// The data rows of batch `index`, or nil past the last epoch.
    public mutating func rows(ofBatch index: Int64) -> [Int]? {
        guard let (epoch, positions) = schedule.location(ofBatch: index) else { return nil }
        if schedule.isSequential { return Array(positions) }
        return Array(orders.order(epoch: epoch)[positions])
    }

    /// Batch `index` of `points` (the matrix itself for a whole-data batch), or nil past the last epoch.
    public mutating func batch(_ index: Int64, of points: Matrix) -> Matrix? {
        guard let rows = rows(ofBatch: index) else { return nil }
        if rows.count == points.rows, schedule.isSequential { return points }
        return points.gathering(rows: rows)
    }
}
