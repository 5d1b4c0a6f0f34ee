import Foundation
import TFFormats

/// Scalar summaries as TensorBoard event files: training in the model directory, evaluations in `eval/` or
/// `eval_<name>/`. One file per directory per sink, created on the first scalar, each event handed to the OS at
/// once. A training file starts with `SessionLog START` at the step before its first scalar.
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

    /// Appends `tag = value` at `step` as a `simple_value` event in the stream's file.
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
            if directory == .training {
                // As TF on (re)start: TensorBoard drops older points at or after this step, i.e. those a crashed
                // run wrote past the checkpoint training resumed from.
                try writer.write(Event(wallTime: Date().timeIntervalSince1970, step: max(0, step - 1), payload: .sessionLog(status: .start, checkpointPath: "")))
            }
        }
        try writer.writeScalars([(tag, value)], step: step)
    }
}
