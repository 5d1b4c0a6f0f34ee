import KMeansCore

/// TF's initialisation loop: the init op runs on successive batches until k centres exist.
public enum TrainingInitialization {
    /// What the loop did.
    public struct Outcome: Sendable {
        /// The initialised state.
        public var state: KMeansState
        /// The batch that completed initialisation (trained on next when the input is not step-indexed).
        public var lastBatch: Matrix
        /// How many batches the loop took.
        public var batchesUsed: Int
    }

    /// Offers `first`, then the batches `next` returns, to the init op until the state is initialised.
    ///
    /// Throws `KMeansError.initializationFailed` when the same batch comes again while centres are still missing
    /// (k exceeds what the input provides) or when `next` returns nil (the input ended).
    public static func run(
        _ state: KMeansState, model: ModelFunction, engine: inout AssignmentEngine,
        first: Matrix, next: () throws -> Matrix?
    ) throws -> Outcome {
        var state = try model.initialize(state, batch: first, engine: &engine)
        var batch = first
        var used = 1
        var offered: [Matrix] = []
        while !state.initialized {
            offered.append(batch)
            guard let following = try next() else {
                throw KMeansError.initializationFailed("the input ended after \(state.clusters.rows) of k = \(model.params.effectiveNumClusters) centres were chosen")
            }
            if offered.contains(following) {
                throw KMeansError.initializationFailed("the same batch of \(following.rows) points came again with only \(state.clusters.rows) of k = \(model.params.effectiveNumClusters) centres chosen: k exceeds the points the input provides (or the initialClusters callable chose no rows)")
            }
            batch = following
            used += 1
            state = try model.initialize(state, batch: batch, engine: &engine)
        }
        return Outcome(state: state, lastBatch: batch, batchesUsed: used)
    }
}
