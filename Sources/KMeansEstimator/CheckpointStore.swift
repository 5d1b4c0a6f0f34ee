import TFFormats

/// Where checkpoints live: the estimator implements all checkpoint semantics against this seam; a store only
/// saves, lists and loads named variable sets (and applies `keepCheckpointMax`).
public protocol CheckpointStore: AnyObject {
    /// The path of the newest checkpoint, or nil when none exists.
    func latestCheckpointPath() throws -> String?
    /// Every retained checkpoint path, oldest first.
    func allCheckpointPaths() throws -> [String]
    /// The variables of the checkpoint at `path`.
    func load(_ path: String) throws -> [String: Tensor]
    /// Saves `variables` as the checkpoint of `globalStep` (replacing one of the same step) and returns its path.
    @discardableResult func save(_ variables: [String: Tensor], globalStep: Int64) throws -> String
}

/// Which summary stream a scalar belongs to: training, or an evaluation (optionally named, TF's `eval_<name>`).
public enum SummaryDirectory: Sendable, Hashable {
    /// The model directory itself (training summaries).
    case training
    /// `eval/` (nil name) or `eval_<name>/`.
    case evaluation(name: String?)
}

/// Where scalar summaries (TensorBoard's `loss`, `score`, …) go.
public protocol SummarySink: AnyObject {
    /// Records `value` under `tag` at `step` in `directory`.
    func addScalar(_ tag: String, value: Float, step: Int64, directory: SummaryDirectory) throws
}

/// Errors of the checkpoint stores.
public enum CheckpointStoreError: Error, Equatable, CustomStringConvertible {
    /// No checkpoint exists at the given path.
    case notFound(String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case .notFound(let path): "no checkpoint at '\(path)'"
        }
    }
}

/// A checkpoint store that keeps everything in memory (used when `modelDir` is nil).
public final class InMemoryCheckpointStore: CheckpointStore {
    private var checkpoints: [(path: String, variables: [String: Tensor])] = []
    /// How many checkpoints are retained (oldest dropped first); nil or 0 keeps all, as TF.
    public let keepCheckpointMax: Int?

    /// Creates an empty store retaining at most `keepCheckpointMax` checkpoints.
    public init(keepCheckpointMax: Int? = 5) {
        self.keepCheckpointMax = keepCheckpointMax
    }

    /// The newest retained checkpoint, or nil.
    public func latestCheckpointPath() throws -> String? { checkpoints.last?.path }

    /// The retained checkpoints, oldest first.
    public func allCheckpointPaths() throws -> [String] { checkpoints.map(\.path) }

    /// The variables saved under `path`; throws `CheckpointStoreError.notFound` for an unknown path.
    public func load(_ path: String) throws -> [String: Tensor] {
        guard let entry = checkpoints.last(where: { $0.path == path }) else { throw CheckpointStoreError.notFound(path) }
        return entry.variables
    }

    /// Keeps `variables` as `model.ckpt-<globalStep>`, dropping the oldest beyond `keepCheckpointMax`.
    @discardableResult
    public func save(_ variables: [String: Tensor], globalStep: Int64) throws -> String {
        let path = "model.ckpt-\(globalStep)"
        checkpoints.removeAll { $0.path == path }
        checkpoints.append((path, variables))
        if let keep = keepCheckpointMax, keep > 0, checkpoints.count > keep {
            checkpoints.removeFirst(checkpoints.count - keep)
        }
        return path
    }
}

/// A summary sink that keeps every scalar in memory, in order.
public final class InMemorySummarySink: SummarySink {
    /// One recorded scalar.
    public struct Scalar: Sendable, Equatable {
        /// The tag, e.g. `loss`.
        public var tag: String
        /// The value.
        public var value: Float
        /// The global step.
        public var step: Int64
        /// The stream it was written to.
        public var directory: SummaryDirectory
    }

    /// Everything recorded so far.
    public private(set) var scalars: [Scalar] = []

    /// Creates an empty sink.
    public init() {}

    /// Appends the scalar to `scalars`.
    public func addScalar(_ tag: String, value: Float, step: Int64, directory: SummaryDirectory) throws {
        scalars.append(Scalar(tag: tag, value: value, step: step, directory: directory))
    }
}
