import Foundation
import TFFormats

/// Scalar summaries as TensorBoard event files: training in the model directory, evaluations in `eval/` or
/// `eval_<name>/`. One file per directory per sink, created on the first scalar, each event flushed to the OS.
public final class EventSummarySink: SummarySink {
    /// The model directory.
    public let modelDir: String
    private var writers: [SummaryDirectory: EventFileWriter] = [:]

    /// A sink writing under `modelDir`.
    public init(modelDir: String) {
        self.modelDir = modelDir
    }

    /// The directory a stream's events go to (TF's `model_dir` and `eval_dir(name)`).
    public func path(for directory: SummaryDirectory) -> String {
        switch directory {
        case .training: modelDir
        case .evaluation(let name): Self.join(modelDir, Self.evalDirectoryName(name))
        }
    }

    /// `eval` or `eval_<name>`, as TF's `Estimator.eval_dir`.
    static func evalDirectoryName(_ name: String?) -> String {
        guard let name, !name.isEmpty else { return "eval" }
        return "eval_" + name
    }

    static func join(_ base: String, _ component: String) -> String {
        base.hasSuffix("/") ? base + component : base + "/" + component
    }

    /// The event files written so far, by stream.
    public var files: [SummaryDirectory: URL] { writers.mapValues(\.url) }

    public func addScalar(_ tag: String, value: Float, step: Int64, directory: SummaryDirectory) throws {
        if case .evaluation(let name?) = directory, name.contains("/") || name.contains("\0") {
            throw KMeansError.invalidArgument(argument: "name", reason: "evaluation name '\(name)' must not contain '/'")
        }
        let writer: EventFileWriter
        if let existing = writers[directory] {
            writer = existing
        } else {
            writer = try EventFileWriter(directory: URL(fileURLWithPath: path(for: directory)))
            writers[directory] = writer
        }
        try writer.writeScalars([(tag, value)], step: step)
    }
}
