import Foundation
import KMeansCore
import TFFormats

/// One checkpoint of a model directory, as the state file lists it.
public struct CheckpointInfo: Sendable, Equatable {
    /// The checkpoint's file name prefix (`model.ckpt-42`).
    public var name: String
    /// The global step in its name, if the name has one.
    public var step: Int64?
    /// The full prefix path (the bundle is `<prefix>.index` + `<prefix>.data-*`).
    public var prefix: URL

    init(reference: CheckpointReference) {
        name = reference.name
        step = reference.step
        prefix = reference.prefix
    }
}

/// The scalars of one tag in one event-file run (`.` for the model directory, `eval` for evaluations).
public struct EventScalarSeries: Sendable, Equatable {
    /// The run: `.` (training) or the subdirectory holding the event file.
    public var run: String
    /// The summary tag (`loss`, `score`, …).
    public var tag: String
    /// `(step, value)` in file order, without the points a restart from an earlier step orphaned (``record(_:)``).
    public var points: [EventScalarPoint]

    /// Creates a series.
    public init(run: String, tag: String, points: [EventScalarPoint]) {
        self.run = run
        self.tag = tag
        self.points = points
    }

    /// Adds the next point read. A step at or below the last one means the trainer restarted from an earlier
    /// checkpoint (after a crash or kill): the points from that step on were orphaned and are dropped first, as
    /// TensorBoard purges them, so the series is the history the model directory now continues.
    public mutating func record(_ point: EventScalarPoint) {
        if let last = points.last, point.step <= last.step { points.removeAll { $0.step >= point.step } }
        points.append(point)
    }
}

/// One scalar event.
public struct EventScalarPoint: Sendable, Equatable {
    /// The global step.
    public var step: Int64
    /// The value.
    public var value: Double

    /// Creates a point.
    public init(step: Int64, value: Double) {
        self.step = step
        self.value = value
    }
}

/// A model directory (ours or TensorFlow's) read as the training layer sees it: the parameters, the checkpoints
/// with their steps, each checkpoint's variables and state, and the event scalars. The CLI's commands and the
/// workbench open model directories only through this.
public struct ModelDirReader: Sendable {
    /// The directory.
    public let url: URL
    /// The directory as the user wrote it, for messages.
    public let displayName: String

    /// A reader of `path`.
    public init(path: String) {
        url = URL(fileURLWithPath: path)
        displayName = path
    }

    /// `kmeans_params.json`, or nil when the directory has none.
    public func storedParameters() throws -> StoredParameters? { try StoredParameters.load(from: url) }

    /// What the latest checkpoint's variables show, or nil without a checkpoint.
    public func checkpointFacts() throws -> CheckpointFacts? { try CheckpointFacts.read(directory: url) }

    /// The model's parameters as every front end sees them: `kmeans_params.json`, else what a TensorFlow
    /// checkpoint shows (k, d, mode, M, TF's defaults for the rest); nil when there is neither.
    public func parameters() throws -> StoredParameters? {
        if let stored = try storedParameters() { return stored }
        return try checkpointFacts().flatMap(StoredParameters.inferred(from:))
    }

    /// The checkpoints the state file lists whose index exists, oldest first (empty without a state file).
    public func checkpoints() throws -> [CheckpointInfo] {
        try ModelDirectory(url: url).checkpoints().map(CheckpointInfo.init(reference:))
    }

    /// The checkpoints as `checkpoints()` lists them, with listed paths that leave the directory set aside as
    /// one-line problems instead of thrown (only an unreadable state file throws).
    public func listedCheckpoints() throws -> (checkpoints: [CheckpointInfo], problems: [String]) {
        let listing = try ModelDirectory(url: url).checkpointListing()
        return (listing.checkpoints.map(CheckpointInfo.init(reference:)), listing.problems.map { String(describing: $0) })
    }

    /// The variables of `checkpoint`, as stored (dtypes this package does not model left out).
    public func variables(of checkpoint: CheckpointInfo) throws -> [String: Tensor] {
        try TensorBundleReader(prefix: checkpoint.prefix).readAll(skippingUnsupported: true)
    }

    /// The training state in `checkpoint`, decoded for `params`' mode and checked against them.
    public func state(of checkpoint: CheckpointInfo, params: KMeansParams) throws -> KMeansState {
        try state(from: variables(of: checkpoint), of: checkpoint, params: params)
    }

    /// The training state in `variables` (read from `checkpoint`), decoded for `params`' mode and checked against them.
    public func state(from variables: [String: Tensor], of checkpoint: CheckpointInfo, params: KMeansParams) throws -> KMeansState {
        let state = try StateCoding.state(from: variables, params: params, path: checkpoint.prefix.path)
        try ModelFunction(params: params).validate(state)
        return state
    }

    /// The centres (`clusters`) and global step of the checkpoint at `prefix`, with errors that say what is wrong.
    public static func centersAndStep(prefix: URL) throws -> (centers: Matrix, globalStep: Int64) {
        let reader = try TensorBundleReader(prefix: prefix)
        let clusters = try reader.tensor(named: KMeansState.VariableName.clusters)
        guard let values = clusters.floatValues, clusters.shape.count == 2 else {
            if clusters.shape == [0] { throw ModelDirError("\(prefix.path): the model is not initialized yet (clusters is empty)") }
            throw ModelDirError("\(prefix.path): 'clusters' has shape \(clusters.shape) and type \(clusters.dataType.name), expected float32 [k, d]")
        }
        let step = (try? reader.tensor(named: KMeansState.VariableName.globalStep))?.int64Values?.first ?? 0
        return (Matrix(rows: clusters.shape[0], columns: clusters.shape[1], values: values), step)
    }

    /// Every scalar series of the directory's event files (training and `eval*/`), by run and tag.
    public func eventScalars() throws -> [EventScalarSeries] {
        var out: [EventScalarSeries] = []
        for (run, files) in try ModelDirectory(url: url).summaryRuns() {
            var byTag: [String: EventScalarSeries] = [:]
            for file in files {
                for (tag, series) in try EventFileReader.scalars(file) {
                    for point in series { byTag[tag, default: EventScalarSeries(run: run, tag: tag, points: [])].record(EventScalarPoint(step: point.step, value: point.value)) }
                }
            }
            for tag in byTag.keys.sorted() { out.append(byTag[tag]!) }
        }
        return out
    }
}
