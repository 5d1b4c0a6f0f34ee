/// The model's variables, exactly TF's checkpoint variables (spec §2.1, §8.1); a plain value.
public struct KMeansState: Sendable, Equatable {
    /// TF `clusters`: the centres used for assignment and inference; 0 rows until initialization starts, then
    /// 1…k rows while initializing, k rows after.
    public var clusters: Matrix
    /// TF `initialized`: true once all k centres exist.
    public var initialized: Bool
    /// TF `Variable` (cluster counts, int64 [k]); mini-batch only (ones for M ≤ 1, zeros for M > 1), else nil.
    public var clusterCounts: [Int64]?
    /// TF `clusters_updated`: the working copy accumulated between syncs; mini-batch with M > 1 only, else nil.
    public var clustersUpdated: Matrix?
    /// TF `update_in_steps`: steps left before the next sync; mini-batch with M > 1 only, else nil.
    public var updateInSteps: Int64?
    /// TF `global_step`: training steps completed.
    public var globalStep: Int64

    /// Creates a state from its variables.
    public init(
        clusters: Matrix, initialized: Bool, clusterCounts: [Int64]?, clustersUpdated: Matrix?,
        updateInSteps: Int64?, globalStep: Int64
    ) {
        self.clusters = clusters
        self.initialized = initialized
        self.clusterCounts = clusterCounts
        self.clustersUpdated = clustersUpdated
        self.updateInSteps = updateInSteps
        self.globalStep = globalStep
    }

    /// TF's checkpoint variable names.
    public enum VariableName {
        /// `clusters`.
        public static let clusters = "clusters"
        /// `initialized`.
        public static let initialized = "initialized"
        /// `Variable` (TF gives the cluster-count variable no name).
        public static let clusterCounts = "Variable"
        /// `clusters_updated`.
        public static let clustersUpdated = "clusters_updated"
        /// `update_in_steps`.
        public static let updateInSteps = "update_in_steps"
        /// `global_step`.
        public static let globalStep = "global_step"
    }
}

/// Nearest-centre assignment of one batch.
public struct Assignment: Sendable, Equatable {
    /// Index of the nearest centre per point (ties to the lowest index).
    public var indices: [Int]
    /// Distance to that centre per point: squared Euclidean, or `1 − cos` for cosine.
    public var distances: [Float]
    /// Sum of `distances` (float32, sequential): TF's per-batch loss.
    public var loss: Float

    /// Creates an assignment.
    public init(indices: [Int], distances: [Float], loss: Float) {
        self.indices = indices
        self.distances = distances
        self.loss = loss
    }
}

/// The first half of a training step: mini-batch sync done and the batch assigned; the update not yet applied.
public struct PendingStep: Sendable {
    /// The state after the sync (M > 1) and before the centre update; `globalStep` not yet incremented.
    public var state: KMeansState
    /// The batch's assignment, made against `assignmentCenters`.
    public var assignment: Assignment
    /// The centres the batch was assigned to (normalised for cosine).
    public var assignmentCenters: Matrix
    /// The batch as the step sees it (l2-normalised for cosine).
    public var points: Matrix
    /// Per-cluster sums of assigned points (k × d, sequential float32) and counts.
    var sums: [Float]
    var counts: [Float]
}

/// The result of a full training step.
public struct StepResult: Sendable {
    /// The state after the update, with `globalStep` incremented.
    public var state: KMeansState
    /// The batch's assignment against the pre-update centres.
    public var assignment: Assignment
    /// TF's training loss: the pre-update sum of distances over the batch.
    public var loss: Float { assignment.loss }
}

/// The outcome of a training step without its per-point assignment: what a training loop that only needs the new
/// state and the loss keeps (see `ModelFunction.trainStepSummary(_:batch:engine:)`).
public struct StepSummary: Sendable {
    /// The state after the update, with `globalStep` incremented.
    public var state: KMeansState
    /// TF's training loss: the pre-update sum of distances over the batch (the same value as `StepResult.loss`).
    public var loss: Float

    /// Creates a summary.
    public init(state: KMeansState, loss: Float) {
        self.state = state
        self.loss = loss
    }
}
