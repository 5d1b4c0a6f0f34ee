import Foundation
import KMeansCore
import KMeansEstimator
import TFFormats
import WorkbenchCore

/// `kmeans workbench --model-dir DIR`: the model as the CLI sees it (its parameters and checkpoints through the
/// training layer's reader), and writing the workbench's run into the directory as `kmeans train` would.
struct WorkbenchModelDir {
    let path: String
    /// The model's parameters (`kmeans_params.json`, or what a TF checkpoint shows); nil for a new directory.
    let parameters: StoredParameters?
    /// The checkpoint view's entries, or why there are none.
    let checkpoints: (entries: [CheckpointEntry], origin: String)
    /// Whether the directory is a SavedModel export (shown, never written to).
    var isExport = false
    /// The checkpoints read so far, kept for following the directory without reading them again.
    var catalog: CheckpointCatalog?
    /// Where the run is saved instead of `path` (`--save-to`): a new directory, which gets the model's parameters.
    var saveTo: String?

    /// Reads `path` (which may not exist yet: a new model directory for the run).
    static func open(_ path: String, dataColumns: Int?) throws -> WorkbenchModelDir {
        let reader = ModelDirReader(path: path)
        if SavedModelReader.isSavedModel(directory: reader.url) {
            let checkpoints = ModelDirCheckpoints.load(modelDir: path, dataColumns: dataColumns)
            return WorkbenchModelDir(path: path, parameters: checkpoints.entries.first?.model, checkpoints: checkpoints, isExport: true)
        }
        let parameters = FileManager.default.fileExists(atPath: path) ? try reader.parameters() : nil
        var catalog = CheckpointCatalog(modelDir: path, dataColumns: dataColumns)
        let checkpoints = parameters == nil ? ([], "\(TerminalText.sanitized(path)): a new model directory (the run is saved there)")
                                            : catalog.refresh()
        return WorkbenchModelDir(path: path, parameters: parameters, checkpoints: checkpoints, catalog: catalog)
    }

    /// The event files' scalar series (empty when they cannot be read).
    func eventScalars() -> [EventScalarSeries] {
        isExport ? [] : (try? ModelDirReader(path: path).eventScalars()) ?? []
    }

    /// The latest checkpoint's entry, to continue from.
    var latest: CheckpointEntry? { checkpoints.entries.last }

    /// The parameters `kmeans train` would remember for a run with `settings` on `dataSet`.
    static func parameters(for settings: WorkbenchSettings, dataSet: DataSet, initialCenters: Matrix?) -> StoredParameters {
        let initial: String
        switch settings.initialization {
        case let .drawn(method): initial = method.name
        case .placedByHand: initial = "explicit"
        }
        return StoredParameters(
            numClusters: settings.k, initialClusters: initial,
            initialCenters: settings.initialization == .placedByHand ? initialCenters?.nestedRows : nil,
            distanceMetric: settings.metric.rawValue, randomSeed: Int64(bitPattern: settings.seed),
            useMiniBatch: settings.useMiniBatch, miniBatchStepsPerIteration: settings.miniBatchStepsPerIteration,
            kmeansPlusPlusNumRetries: settings.kmeansPlusPlusRetries, numFeatures: dataSet.points.columns,
            featureNames: dataSet.columnNames,
            batchSize: settings.useMiniBatch ? settings.batchSize : nil,
            shuffle: settings.useMiniBatch && settings.shuffle ? true : nil,
            emptyClusterPolicy: settings.emptyClusterPolicy == .origin ? nil : settings.emptyClusterPolicy.rawValue)
    }

    /// Writes the session's run into the directory as `kmeans train` would have (checkpoints, `loss` events,
    /// `kmeans_params.json`), under the trainer lock; returns what was written, or why nothing was.
    func record(_ session: Session) throws -> String {
        let target = saveTo ?? path
        if isExport && saveTo == nil { return "\(path) is a SavedModel export: the run is not written into it (give --save-to DIR)" }
        guard let first = session.frames.first, let last = session.frames.last(where: { $0.phase == .updated }) else {
            return "no step was run: nothing written to \(target)"
        }
        let startStep = first.state.globalStep
        let continued = startStep > 0 && checkpoints.entries.contains(where: { Int64($0.step) == startStep })
        if let saveTo {
            if try ModelDirReader(path: saveTo).parameters() != nil {
                throw CLIError.data("--save-to \(saveTo): already holds a model; name a new directory")
            }
            let model = continued && !isExport ? parameters! : WorkbenchModelDir.parameters(for: session.settings, dataSet: session.dataSet, initialCenters: session.inOriginalUnits(first.state.clusters))
            let recorder = try ModelDirRecorder(modelDir: saveTo, parameters: model)
            // The run's first state (a fresh one, or the checkpoint it continued from), then its steps.
            try recorder.save(startStep > 0 ? session.inOriginalUnits(first.state) : try ModelFunction(params: recorder.params).initialState())
            try recordSteps(session, into: recorder, after: startStep)
            return "saved \(try recorder.save(session.inOriginalUnits(last.state)))" + (continued ? " (continued from \(path) at step \(startStep))" : "")
        }
        if let parameters {
            // Only a run continued from one of this directory's checkpoints belongs in it.
            guard continued else {
                return "the run did not continue from \(path)'s checkpoints: nothing written (continue one with c, Enter, or give --save-to DIR)"
            }
            let recorder = try ModelDirRecorder(modelDir: path, parameters: parameters)
            try recordSteps(session, into: recorder, after: startStep)
            return "saved \(try recorder.save(session.inOriginalUnits(last.state))) (continued from step \(startStep))"
        }
        let model = WorkbenchModelDir.parameters(for: session.settings, dataSet: session.dataSet, initialCenters: session.inOriginalUnits(first.state.clusters))
        let recorder = try ModelDirRecorder(modelDir: path, parameters: model)
        // As `train` on a new directory: the fresh, uninitialised state first.
        try recorder.save(try ModelFunction(params: recorder.params).initialState())
        try recordSteps(session, into: recorder, after: 0)
        return "saved \(try recorder.save(session.inOriginalUnits(last.state)))"
    }

    private func recordSteps(_ session: Session, into recorder: ModelDirRecorder, after step: Int64) throws {
        for frame in session.frames where frame.phase == .updated && frame.state.globalStep > step {
            if let stats = frame.stats { try recorder.recordLoss(Float(stats.score), step: frame.state.globalStep) }
        }
    }
}

/// The checkpoint view following a live model_dir: the state file and the checkpoints it names are watched
/// (`ModelDirFollower`: only what the state file names, torn reads retried or skipped) with the event files'
/// scalars; on a change only the checkpoints not read before are read (`CheckpointCatalog`).
final class CheckpointFollow {
    private var follower: ModelDirFollower
    private var catalog: CheckpointCatalog
    private var series: [String: EventScalarSeries] = [:]
    private var order: [String] = []

    /// Follows `catalog`'s directory from what it has read; the event scalars written so far are read now.
    init(catalog: CheckpointCatalog) {
        self.catalog = catalog
        follower = ModelDirFollower(directory: ModelDirectory(url: URL(fileURLWithPath: catalog.modelDir)), followsScalars: true)
        absorb(follower.refresh())
    }

    /// Every scalar series read so far, in the order they first appeared.
    var scalars: [EventScalarSeries] { order.compactMap { series[$0] } }

    /// What changed since the last call (new or removed checkpoints, new scalars), else nil.
    func poll() -> ModelDirUpdate? {
        let changes = follower.refresh()
        let checkpointsChanged = changes.contains { change in
            switch change {
            case .checkpointAdded, .checkpointRemoved, .directoryAppeared, .directoryRemoved: true
            default: false
            }
        }
        let scalarsArrived = absorb(changes)
        guard checkpointsChanged || catalog.needsRetry || scalarsArrived else { return nil }
        return ModelDirUpdate(checkpoints: checkpointsChanged || catalog.needsRetry ? catalog.refresh() : nil,
                              scalars: scalarsArrived ? scalars : nil)
    }

    /// Adds the scalars among `changes` to their series; whether there were any.
    @discardableResult
    private func absorb(_ changes: [ModelDirChange]) -> Bool {
        var arrived = false
        for case let .scalar(run, tag, point) in changes {
            let key = run + "\u{0}" + tag
            if series[key] == nil { series[key] = EventScalarSeries(run: run, tag: tag, points: []); order.append(key) }
            series[key]!.record(EventScalarPoint(step: point.step, value: point.value))
            arrived = true
        }
        return arrived
    }
}
