import KMeansCore
import KMeansEstimator
import Synchronization

/// What one iteration did, for the side panel's table and sparklines.
public struct IterationStats: Sendable, Equatable {
    /// The global step after the update (1-based).
    public var step: Int
    /// The step's loss: summed distance of the batch to its nearest centre before the update (TF's score).
    public var score: Double
    /// Largest distance any centre moved in the update (Euclidean, in data units).
    public var maxDelta: Double
    /// Distance each centre moved.
    public var centerDeltas: [Double]
    /// Points whose cluster changed in this assignment (over the whole data).
    public var moved: Int
}

/// One state of a run in the history: after initialisation, after an assign half-step, or after an update.
public struct Frame: Sendable {
    /// Which half-step produced the frame.
    public enum Phase: String, Sendable {
        case initialized, assigned, updated
    }

    /// The half-step that produced this frame.
    public var phase: Phase
    /// The training variables.
    public var state: KMeansState
    /// After `assigned`: the pending assignment the update will use (dropped once that update is in the history).
    public var pending: PendingAssignment?
    /// Cluster of every point as shown (empty before the first assignment).
    public var labels: [Int32]
    /// Rows of the mini-batch of the last or pending step (empty in full batch).
    public var batch: [Int]
    /// Set on `updated` frames.
    public var stats: IterationStats?
    /// Points per cluster in `labels`.
    public var clusterSizes: [Int]
    /// Whether the relative loss change fell below the tolerance at this frame.
    public var converged: Bool
    /// On `assigned` frames: the labels shown before this assignment, to count points that changed cluster (dropped
    /// once the update is in the history).
    public var previousLabels: [Int32]? = nil

    /// The phase that comes next from here.
    public var nextPhase: Phase { phase == .assigned ? .updated : .assigned }
}

/// A flag a running computation polls between its parts; set it from any thread to make the computation stop early.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates a flag that is not set.
    public init() {}

    /// Asks the computations holding this flag to stop.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The error a `FrameJob` ends with when its `CancellationFlag` was set before it finished.
public struct FrameJobCancelled: Error, Equatable, CustomStringConvertible {
    /// Creates the error.
    public init() {}
    /// A short description.
    public var description: String { "computation cancelled" }
}

/// The work to compute the frame after `frame`; a value that can run on any thread.
public struct FrameJob: Sendable {
    /// The engine of the run.
    public let engine: StepEngine
    /// The frame to advance from.
    public let frame: Frame
    /// The previous iteration's loss, for the convergence test.
    public let previousScore: Double?
    /// Polled before each part of the computation (core's step call, each chunk of display labels, the
    /// bookkeeping); once set, the job ends with `FrameJobCancelled` at the next check.
    public let cancellation: CancellationFlag

    /// Creates a job advancing `frame` under `engine`.
    public init(engine: StepEngine, frame: Frame, previousScore: Double?, cancellation: CancellationFlag = CancellationFlag()) {
        self.engine = engine
        self.frame = frame
        self.previousScore = previousScore
        self.cancellation = cancellation
    }

    /// Computes the next frame, or the error core reported, or `FrameJobCancelled`.
    public func run() -> Result<Frame, any Error> {
        Result { try FrameJob.advance(engine: engine, frame: frame, previousScore: previousScore, cancellation: cancellation) }
    }

    /// The frame one half-step after `frame`.
    public static func advance(engine: StepEngine, frame: Frame, previousScore: Double?,
                               cancellation: CancellationFlag = CancellationFlag()) throws -> Frame {
        let settings = engine.settings
        func checkCancelled() throws { if cancellation.isCancelled { throw FrameJobCancelled() } }
        func allLabels(_ state: KMeansState) throws -> [Int32] {
            guard let result = StepEngine.nearest(points: engine.points, centers: engine.assignmentCenters(state), metric: settings.metric,
                                                  isCancelled: { cancellation.isCancelled }) else { throw FrameJobCancelled() }
            return result.labels
        }
        try checkCancelled()
        switch frame.phase {
        case .initialized, .updated:
            let pending = try engine.assign(frame.state)
            try checkCancelled()
            // Mini-batch assigns only the batch; the screen shows every point against the same centres.
            let labels = settings.useMiniBatch ? try allLabels(pending.state) : pending.labels
            try checkCancelled()
            return Frame(phase: .assigned, state: pending.state, pending: pending, labels: labels,
                         batch: settings.useMiniBatch ? pending.batch : [], stats: nil,
                         clusterSizes: sizes(labels, k: settings.k), converged: false,
                         previousLabels: frame.labels.isEmpty ? nil : frame.labels)
        case .assigned:
            guard let pending = frame.pending else { return frame }
            let next = try engine.update(pending)
            try checkCancelled()
            var labels = frame.labels
            var clusterSizes = frame.clusterSizes
            if settings.useMiniBatch {
                labels = try allLabels(next)
                clusterSizes = sizes(labels, k: settings.k)
            }
            let before = displayCenters(engine: engine, state: frame.state)
            let after = displayCenters(engine: engine, state: next)
            var deltas: [Double] = []
            for j in 0..<before.rows {
                var s = 0.0
                for t in 0..<before.columns { let diff = Double(after[j, t] - before[j, t]); s += diff * diff }
                deltas.append(s.squareRoot())
            }
            let moved = movedCount(previous: frame.previousLabels, current: labels)
            let stats = IterationStats(step: Int(next.globalStep), score: pending.loss, maxDelta: deltas.max() ?? 0, centerDeltas: deltas, moved: moved)
            let rule = RelativeLossChange(tolerance: settings.relativeTolerance)
            let converged = settings.relativeTolerance > 0
                && rule.isConverged(loss: pending.step.assignment.loss, previous: previousScore.map { Float($0) })
            return Frame(phase: .updated, state: next, pending: nil, labels: labels, batch: frame.batch, stats: stats,
                         clusterSizes: clusterSizes, converged: converged)
        }
    }

    /// The centres as they are drawn: the stored centres, or for the working copy of mini-batch M > 1 the copy that
    /// moves (so the screen shows progress within an iteration).
    public static func displayCenters(engine: StepEngine, state: KMeansState) -> Matrix {
        engine.displayCenters(state)
    }

    static func sizes(_ labels: [Int32], k: Int) -> [Int] {
        var out = [Int](repeating: 0, count: k)
        labels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { counts in
                for label in source where label >= 0 && Int(label) < k { counts[Int(label)] += 1 }
            }
        }
        return out
    }

    static func movedCount(previous: [Int32]?, current: [Int32]) -> Int {
        guard let previous, previous.count == current.count else { return current.count }
        var count = 0
        previous.withUnsafeBufferPointer { a in
            current.withUnsafeBufferPointer { b in
                for i in 0..<b.count { count &+= a[i] != b[i] ? 1 : 0 }
            }
        }
        return count
    }
}
