import Foundation
import KMeansCore
import TFFormats

/// Writes a run that was not driven by `KMeansClustering.train` (the workbench's) into a model directory exactly as
/// `train` writes one: the trainer lock, `kmeans_params.json`, TF's checkpoint variables per mode, and the `loss`
/// and `loss/raw` scalars every `saveSummarySteps` steps.
public final class ModelDirRecorder {
    /// The model directory.
    public let modelDir: String
    /// The estimator parameters the checkpoints are coded for.
    public let params: KMeansParams
    private let store: DiskCheckpointStore
    private let sink: EventSummarySink
    private let summaryEvery: Int
    private let lock: TrainerLockHold
    /// The global step of the last checkpoint written.
    public private(set) var lastSavedStep: Int64?

    /// Takes the trainer lock of `modelDir` (creating it) and writes `parameters` unless the directory already
    /// holds the same; throws `TFFormatError.directoryLocked` while another trainer holds the lock.
    public init(modelDir: String, parameters: StoredParameters, algorithm: KMeansAlgorithm = .auto,
                keepCheckpointMax: Int? = 5, saveSummarySteps: Int = 100) throws {
        self.modelDir = modelDir
        lock = try TrainerLockHold(modelDir: modelDir)
        let url = URL(fileURLWithPath: modelDir)
        if try StoredParameters.load(from: url) != parameters { try parameters.save(in: url) }
        params = parameters.kmeansParams(relativeTolerance: parameters.relativeTolerance, algorithm: algorithm)
        store = DiskCheckpointStore(modelDir: modelDir, keepCheckpointMax: keepCheckpointMax)
        sink = EventSummarySink(modelDir: modelDir)
        summaryEvery = saveSummarySteps
    }

    /// Saves `state` as `model.ckpt-<global step>` and returns its path.
    @discardableResult
    public func save(_ state: KMeansState) throws -> String {
        let path = try store.save(StateCoding.variables(of: state, params: params), globalStep: state.globalStep)
        lastSavedStep = state.globalStep
        return path
    }

    /// Records a training step's loss as `train` does (at steps that are multiples of `saveSummarySteps`).
    public func recordLoss(_ loss: Float, step: Int64) throws {
        guard summaryEvery > 0, step % Int64(summaryEvery) == 0 else { return }
        try sink.addScalar("loss", value: loss, step: step, directory: .training)
        try sink.addScalar("loss/raw", value: loss, step: step, directory: .training)
    }
}
