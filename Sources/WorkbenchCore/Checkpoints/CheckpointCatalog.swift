import Foundation
import KMeansCore
import KMeansEstimator
import TFFormats

/// What the checkpoint view reads of one checkpoint: its variables as stored and the training state decoded from them.
public struct CheckpointContents: Sendable {
    /// Every variable of the checkpoint (types this package does not model left out).
    public var variables: [String: Tensor]
    /// The training state, decoded for the model's mode and checked against its parameters.
    public var state: KMeansState

    /// Creates the contents.
    public init(variables: [String: Tensor], state: KMeansState) {
        self.variables = variables
        self.state = state
    }
}

/// A model_dir's checkpoint entries kept from one look to the next: each checkpoint (by prefix and step) is read
/// once, later looks read only the checkpoints the state file newly lists, and those retention deleted drop out. A
/// failed read (a writer replacing the files) is tried again at the next look, a few times, then left out.
public struct CheckpointCatalog: Sendable {
    /// Reads one checkpoint's contents (injected by tests to count reads).
    public typealias Read = @Sendable (ModelDirReader, CheckpointInfo, KMeansParams) throws -> CheckpointContents

    /// The directory.
    public let modelDir: String
    /// The data's column count; a model of another dimension is refused.
    public let dataColumns: Int?
    /// Checkpoints read so far (each at most `patience` times).
    public private(set) var reads = 0
    /// Whether the last look left a checkpoint to read again.
    public private(set) var needsRetry = false

    /// Reads of a failing checkpoint before it is left out.
    static let patience = 3

    private enum Slot: Sendable {
        case entry(CheckpointEntry)
        /// Not initialised yet (no reason), or unreadable over every try.
        case skipped(reason: String?)
    }

    private struct Key: Hashable, Sendable {
        var path: String
        var step: Int64?
    }

    private let read: Read
    private var model: StoredParameters?
    private var slots: [Key: Slot] = [:]
    private var failures: [Key: Int] = [:]

    /// A catalog of `modelDir`; nothing is read until `refresh()`.
    public init(modelDir: String, dataColumns: Int? = nil, read: @escaping Read = CheckpointCatalog.readContents) {
        self.modelDir = modelDir
        self.dataColumns = dataColumns
        self.read = read
    }

    /// The variables and state of `info`, read once.
    public static let readContents: Read = { reader, info, params in
        let variables = try reader.variables(of: info)
        return CheckpointContents(variables: variables, state: try reader.state(from: variables, of: info, params: params))
    }

    /// Every initialised checkpoint the state file lists now, oldest first, or an empty list and the reason.
    public mutating func refresh() -> (entries: [CheckpointEntry], origin: String) {
        let reader = ModelDirReader(path: modelDir)
        let label = TerminalText.sanitized(URL(fileURLWithPath: modelDir).lastPathComponent)
        func failure(_ error: any Error) -> (entries: [CheckpointEntry], origin: String) {
            needsRetry = false
            return ([], "cannot read \(label): \(TerminalText.sanitized(String(describing: error)))")
        }
        let listing: (checkpoints: [CheckpointInfo], problems: [String])
        do {
            if model == nil { model = try reader.parameters() }
            listing = try reader.listedCheckpoints()
        } catch { return failure(error) }
        guard let model, !listing.checkpoints.isEmpty else {
            needsRetry = false
            return ([], "\(label): " + (listing.problems.first.map { TerminalText.sanitized($0) } ?? "no checkpoints"))
        }
        if let dataColumns, let d = model.numFeatures, d != dataColumns {
            needsRetry = false
            return ([], "\(label): the model has \(d) features, the data \(dataColumns) (open the data it was trained on)")
        }
        let params = model.kmeansParams(relativeTolerance: nil)
        var entries: [CheckpointEntry] = []
        var problems = listing.problems
        var next: [Key: Slot] = [:]
        needsRetry = false
        for info in listing.checkpoints {
            let key = Key(path: info.prefix.path, step: info.step)
            let slot: Slot
            if let known = slots[key] {
                slot = known
                if case let .skipped(reason?) = known { problems.append(reason) }
            } else {
                reads += 1
                do {
                    let contents = try read(reader, info, params)
                    slot = Self.slot(contents, info: info, model: model)
                    failures[key] = nil
                } catch {
                    let reason = "\(info.name): \(error)"
                    problems.append(reason)
                    failures[key, default: 0] += 1
                    if failures[key]! < Self.patience { needsRetry = true; continue }
                    slot = .skipped(reason: reason)
                }
            }
            next[key] = slot
            if case let .entry(entry) = slot { entries.append(entry) }
        }
        slots = next
        failures = failures.filter { key, _ in listing.checkpoints.contains { $0.prefix.path == key.path } }
        if entries.isEmpty {
            return ([], "\(label): " + (problems.first.map { TerminalText.sanitized($0) } ?? "no initialised checkpoints"))
        }
        return (entries, label)
    }

    private static func slot(_ contents: CheckpointContents, info: CheckpointInfo, model: StoredParameters) -> Slot {
        let state = contents.state
        guard state.initialized, state.clusters.rows > 0 else { return .skipped(reason: nil) }
        return .entry(CheckpointEntry(step: Int(state.globalStep), name: TerminalText.sanitized(info.name), centers: state.clusters,
                                      initialized: true, state: state, model: model,
                                      variables: CheckpointVariable.summaries(of: contents.variables)))
    }
}
