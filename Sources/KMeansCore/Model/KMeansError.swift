/// Errors thrown by the clustering core and the estimator: each names the argument or input at fault.
public enum KMeansError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A constructor or method argument is invalid; `argument` is its Swift name (or TF name in parentheses).
    case invalidArgument(argument: String, reason: String)
    /// Input data is unusable (wrong shape, non-finite values, too few points, …).
    case invalidInput(String)
    /// A step, prediction or distance was requested before initialization chose all k centres.
    case notInitialized(String)
    /// Initialization cannot finish (input ended, kmeans++ batch too small, callable returned too many rows, …).
    case initializationFailed(String)
    /// No trained model (checkpoint) exists yet.
    case noTrainedModel(String)
    /// A checkpoint's variables do not match this model's configuration.
    case incompatibleCheckpoint(String)
    /// The caller's cancellation check stopped the work (``ModelFunction/isCancelled``).
    case cancelled

    /// A one-line explanation naming the argument or input at fault.
    public var description: String {
        switch self {
        case .invalidArgument(let argument, let reason): "invalid argument \(argument): \(reason)"
        case .invalidInput(let message): "invalid input: \(message)"
        case .notInitialized(let message): "not initialized: \(message)"
        case .initializationFailed(let message): "initialization failed: \(message)"
        case .noTrainedModel(let message): "no trained model: \(message)"
        case .incompatibleCheckpoint(let message): "incompatible checkpoint: \(message)"
        case .cancelled: "cancelled before it finished"
        }
    }
}
