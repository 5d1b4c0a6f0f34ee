import KMeansCore

/// The one-line status the workbench shows above the key bar (errors, convergence, confirmations), cleared by the
/// next key. Typed, so every message is written in one place (`text`).
public enum StatusMessage: Sendable, Equatable {
    /// The settings cannot run on the data.
    case cannotStart(problems: [String])
    /// Core refused to initialise.
    case cannotInitialize(reason: String)
    /// Settings the editor refuses to apply.
    case settingsRejected(problems: [String])
    /// k was asked larger than the data's point count and was lowered to it.
    case kLowered(requested: Int, points: Int)
    /// Checkpoint centres whose width differs from the data's.
    case checkpointColumns(centers: Int, data: Int)
    /// Core refused a checkpoint's centres.
    case cannotStartFromCenters(reason: String)
    /// Training continues from a checkpoint.
    case continuing(step: Int)
    /// A step threw.
    case stepFailed(reason: String)
    /// Clusters that got no point in a full-batch update, and what the policy did with their centres.
    case emptyClusters([Int], policy: EmptyClusterPolicy)
    /// The run converged.
    case converged(step: Int64, tolerance: Double)
    /// A click outside placement mode.
    case clickIgnored(x: Int, y: Int)
    /// A click outside the plot during placement.
    case clickOutsidePlot
    /// Esc during a computation.
    case computationStopped
    /// The checkpoint view cannot open.
    case noCheckpoints(origin: String)
    /// The projection key on data with two or fewer columns.
    case nothingToProject(columns: Int)
    /// Placement was cancelled.
    case placementCancelled
    /// All k centres were placed.
    case centersPlaced(k: Int)
    /// Core refused the placed centres.
    case cannotUsePlacedCenters(reason: String)
    /// What the front end reported after writing a screenshot.
    case screenshot(report: String)
    /// What the front end reported after writing the run out.
    case export(report: String)
    /// The k sweep could not start.
    case sweepRefused(reason: String)
    /// Enter in the sweep restarted the run with a k (and the seed of its best restart).
    case sweepPicked(k: Int, seed: Int64, score: Float)
    /// `g` on data without a truth column.
    case noTruth
    /// `z` turned z-scores on or off (the run restarted).
    case standardized(Bool)
    /// A data file opened from the settings, with the loader's notes.
    case dataOpened(name: String, note: String)
    /// A data file the settings could not open.
    case cannotOpenData(reason: String)

    /// The line as shown.
    public var text: String {
        switch self {
        case let .cannotStart(problems):
            "cannot start: " + problems.joined(separator: "; ") + " (press s to change the settings)"
        case let .cannotInitialize(reason): "cannot initialise: \(reason) (press s to change the settings)"
        case let .settingsRejected(problems): problems.joined(separator: "; ")
        case let .kLowered(requested, points): "k = \(requested) is more than the \(points) points: using k = \(points)"
        case let .checkpointColumns(centers, data):
            "checkpoint centres have \(centers) columns, the data has \(data) (press s to choose the data the model was trained on)"
        case let .cannotStartFromCenters(reason): "cannot start from these centres: \(reason) (press s to change the settings)"
        case let .continuing(step): "continuing from step \(step)"
        case let .stepFailed(reason): "step failed: \(reason)"
        case let .emptyClusters(clusters, policy):
            Self.emptyClustersText(clusters, policy: policy)
        case let .converged(step, tolerance):
            "converged at step \(step): relative loss change < \(formatCompact(tolerance))"
        case let .clickIgnored(x, y): "click at \(x),\(y): clicks place centres in \"I'll choose\" mode"
        case .clickOutsidePlot: "click inside the plot to place a centre"
        case .computationStopped: "stopped: pending computation cancelled"
        case let .noCheckpoints(origin): "checkpoints: \(origin)"
        case let .nothingToProject(columns): "the data is \(columns)-D: nothing to project"
        case .placementCancelled: "placement cancelled: using k-means++"
        case let .centersPlaced(k): "\(k) centres placed: press n to step"
        case let .cannotUsePlacedCenters(reason): "cannot use these centres: \(reason)"
        case let .screenshot(report): report
        case let .export(report): report
        case let .sweepRefused(reason): "cannot sweep: \(reason) (press s to change the settings)"
        case let .sweepPicked(k, seed, score): "k = \(k) from the sweep: seed \(seed), its best restart (score \(formatCompact(Double(score))))"
        case .noTruth: "no truth column: open a file with --truth COLUMN (the iris sample has its species)"
        case let .standardized(on):
            on ? "z-scores: each column standardised, run restarted (centres shown in original units)" : "z-scores off: raw values, run restarted"
        case let .dataOpened(name, note): "opened \(name)" + (note.isEmpty ? "" : ": \(note)")
        case let .cannotOpenData(reason): reason
        }
    }

    private static func emptyClustersText(_ clusters: [Int], policy: EmptyClusterPolicy) -> String {
        let names = clusters.map { ClusterName.of($0) }
        if names.count == 1 {
            let fate = policy == .origin ? "its centre went to the origin (TF)" : "its centre jumped to the farthest point"
            return "cluster \(names[0]) got no points: \(fate)"
        }
        let fate = policy == .origin ? "their centres went to the origin (TF)" : "their centres jumped to the farthest points"
        return "clusters " + names.joined(separator: ", ") + " got no points: \(fate)"
    }
}

/// The name of cluster `j` on screen: A–Z for the first 26, then two letters (AA, AB, …).
public enum ClusterName {
    /// The name of cluster `index`.
    public static func of(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard index >= 26 else { return String(letters[max(0, index)]) }
        let rest = index - 26
        return String(letters[(rest / 26) % 26]) + String(letters[rest % 26])
    }
}
