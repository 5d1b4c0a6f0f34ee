// A full-batch training step over rows streamed from outside memory: the same next state and loss as
// `trainStepSummary` with the Lloyd algorithm over the same rows in memory.

extension ModelFunction {
    /// One full-batch Lloyd step over `rows` rows of `columns` features that `load` supplies at most `chunkRows` rows
    /// at a time (see ``DistanceKernels/streamedLloydPass(rows:columns:centers:chunkRows:threads:instructionSet:load:prepare:)``):
    /// the same next state and loss, bit for bit, as ``trainStepSummary(_:batch:engine:)`` with
    /// ``KMeansAlgorithm/lloyd`` over those rows in memory. Empty clusters follow TF (their centre moves to the
    /// origin); the farthest-point policy needs every point and is refused.
    public func streamedTrainStep(
        _ state: KMeansState, rows: Int, columns: Int, chunkRows: Int, threads: Int? = nil,
        load: StreamedRowLoader
    ) throws -> StepSummary {
        guard !params.useMiniBatch else {
            throw KMeansError.invalidArgument(argument: "useMiniBatch", reason: "a streamed step is full batch only")
        }
        guard params.emptyClusterPolicy != .farthestPoint else {
            throw KMeansError.invalidArgument(argument: "emptyClusterPolicy",
                                              reason: "farthestPoint needs every point in memory; use TF's policy")
        }
        try requireInitialized(state)
        guard rows > 0 else { throw KMeansError.invalidInput("empty batch (0 rows)") }
        guard columns == state.clusters.columns else {
            throw KMeansError.invalidInput("batch has \(columns) columns but the centres have \(state.clusters.columns)")
        }
        let cosine = params.distanceMetric == .cosine
        let totals = try DistanceKernels.streamedLloydPass(
            rows: rows, columns: columns, centers: inferenceCenters(state), chunkRows: chunkRows, threads: threads,
            load: load
        ) { firstRow, chunk in
            if let bad = chunk.firstNonFiniteIndex() {
                throw KMeansError.invalidInput("batch row \(firstRow + bad / columns), column \(bad % columns) is \(chunk.values[bad]), not a finite number")
            }
            if cosine { chunk = chunk.l2NormalizedRows() }
        }
        var next = state
        next.clusters = fullBatchCenters(sums: totals.sums, counts: totals.counts, distances: [],
                                         points: Matrix(rows: 0, columns: columns))
        next.globalStep += 1
        // Halving is exact, so halving the sum equals summing the halves (TF's order for cosine).
        return StepSummary(state: next, loss: cosine ? totals.loss * 0.5 : totals.loss)
    }

    /// TF's init op for a full-batch model whose data is `rows` rows of `columns` features outside memory: the same
    /// state as ``initialize(_:batch:)`` on those rows in memory. Random initialisation reads only the rows TF's
    /// draw picks (`readRows` returns them in the order given, duplicates included); explicit centres read nothing.
    /// k-means++ and a callable need every point in memory and are refused.
    public func streamedInitialize(
        _ state: KMeansState, rows: Int, columns: Int, readRows: ([Int]) throws -> Matrix
    ) throws -> KMeansState {
        if state.initialized { return state }
        guard rows > 0 else { throw KMeansError.invalidInput("empty batch (0 rows)") }
        let next: KMeansState
        switch params.initialClusters {
        case .matrix:
            next = try initialize(state, batch: Matrix(rows: 0, columns: columns))
        case .random:
            let picked = InitialSampling.randomRows(rows: rows, remaining: params.effectiveNumClusters - state.clusters.rows, seed: params.randomSeed)
            // The picked rows are no more than the centres missing, so the init op takes all of them, in order.
            next = try initialize(state, batch: readRows(picked))
        case .kmeansPlusPlus, .callable:
            throw KMeansError.invalidArgument(argument: "initialClusters",
                                              reason: "k-means++ and a callable read every point; streamed data supports random or explicit centres")
        }
        guard next.initialized else {
            throw KMeansError.initializationFailed("the data has \(rows) rows, fewer than k = \(params.effectiveNumClusters) centres")
        }
        return next
    }
}
