// What one case measured: the JSON object the child process prints and peers.py reads.

/// Everything measured for one case (one JSON object per case).
struct CaseResult: Codable {
    var caseInfo: BenchmarkCase
    var instructionSet: String
    var threads: Int
    var iterations: Int
    var repeats: Int
    var loadBefore: Double
    var loadAfter: Double
    /// Full-batch Lloyd, ms per iteration: best and median of the repeats.
    var lloydMsPerIteration: Double
    var lloydMedianMsPerIteration: Double
    /// CPU time per iteration divided by the thread count, for the fastest repeat: what the wall time would be
    /// with the cores to ourselves (a shared machine inflates wall time, much less CPU time).
    var lloydCpuMsPerIterationPerThread: Double
    var lloydGflops: Double
    var lloydShareOfFmaPeak: Double
    var lloydInertia: Double
    var emptyClusterRelocations: Int
    /// Hamerly's exact variant over the same iterations, and whether its final centres equal Lloyd's bit for bit.
    var hamerlyMsPerIteration: Double
    var hamerlyEqualsLloyd: Bool
    /// Share of point-passes that needed a full search under Hamerly's bounds.
    var hamerlySearchFraction: Double
    /// What `KMeansAlgorithm.auto` picks for this shape, and its ms per iteration (the library's default speed).
    var autoAlgorithm: String
    var autoMsPerIteration: Double
    var predictMs: Double
    /// `DistanceKernels.prunedNearestIndices` (exact, guess + bound check), the share of points it fully searched,
    /// and whether its indices equal the plain pass's (they must).
    var prunedPredictMs: Double
    var prunedPredictSearchFraction: Double
    var prunedPredictEqualsPlain: Bool
    /// What a user's `predict` runs: `ModelFunction.nearest` (indices, TF's per-point distances and the loss; the
    /// pruned search where the library applies it), ms with the final centres. Optional so older JSON still reads.
    var libraryPredictMs: Double?
    var transformMs: Double?
    var miniBatchStepMs: Double
    var cosineMsPerIteration: Double
    var kmeansPlusPlusSeconds: Double?
    var workbenchFrameMs: Double?
    /// The library path: `ModelFunction.trainStepSummary(_:batch:engine:)` full-batch steps (algorithm auto, TF's update,
    /// batch validation, assignment output) as `KMeansClustering.train` runs them; best wall ms per iteration and
    /// the CPU time per iteration per thread of that repeat.
    var libraryMsPerIteration: Double
    var libraryCpuMsPerIterationPerThread: Double
    /// Peak RSS right after the library runs (they run first, so this peak is theirs).
    var libraryPeakResidentBytes: Int
    /// Peak RSS after the full-batch runs, and the RSS of the process before it loaded any data (runtime baseline).
    var peakResidentBytes: Int
    var baselineResidentBytes: Int
    var dataBytes: Int
    /// `KMeansMemoryProbe` on this case's files: full-batch training (ModelFunction, auto, 20 steps) in a process
    /// that links only KMeansCore and KMeansData (no Foundation); its whole peak RSS and the RSS before it read the
    /// data. Nil when the probe did not run.
    var coreOnlyPeakResidentBytes: Int?
    var coreOnlyBaselineResidentBytes: Int?
    /// Whole fits through the library (``LibraryFit``, algorithm auto, farthest-point empty clusters), timed as
    /// peers.py times the peers: the whole 20-iteration fit from the given centres with setup, ms; per iteration
    /// as (fit of 21 − fit of 1) / 20, ms; the fit's float64 inertia; the share of rows read and of rows fully
    /// searched per iteration after the first. Optional so older JSON still reads.
    var wholeFitMs: Double?
    var msPerIteration: Double?
    var wholeFitInertia: Double?
    var pointsReadShare: Double?
    var fullSearchShare: Double?
    /// The same for `KMeansAlgorithm.incremental` (float64 sums, settled points not read), and the largest
    /// difference of its 20-iteration centres from the auto fit's, in ulps of each centre's largest |coordinate|.
    var incrementalWholeFitMs: Double?
    var incrementalMsPerIteration: Double?
    var incrementalInertia: Double?
    var incrementalPointsReadShare: Double?
    var incrementalFullSearchShare: Double?
    var incrementalMaxUlpsFromTF: Double?
}
