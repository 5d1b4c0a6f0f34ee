// Whole fits through the library, timed the way peers.py times every peer: (a) per iteration as the difference of
// fits of 21 and 1 iterations over 20, and (b) the whole fit of 20 iterations from the given centres, setup
// included (model function, engine, initialisation, the steps).
import KMeansCore

/// One case's library fits of one algorithm (empty clusters take the farthest point, as scikit-learn's do).
struct LibraryFitTiming {
    /// Best wall time of a whole 20-iteration fit, ms.
    var wholeFitMs: Double
    /// (fit of 21 iterations − fit of 1) / 20, best times, ms.
    var msPerIteration: Double
    /// Float64 inertia of the 20-iteration fit's centres.
    var inertia: Double
    /// Rows read per iteration over the iterations after the first, as a share of all rows.
    var pointsReadShare: Double
    /// Rows that needed a full nearest-centre search per iteration after the first, as a share of all rows.
    var fullSearchShare: Double
    /// The 20-iteration fit's centres.
    var centers: Matrix
}

enum LibraryFit {
    /// One fit of `iterations` steps from `initial`, setup included; returns the final centres and the engine's
    /// (rows read, rows fully searched) summed over the steps after the first.
    static func fit(points: Matrix, initial: Matrix, iterations: Int, threads: Int,
                    algorithm: KMeansAlgorithm = .auto) throws -> (centers: Matrix, read: Int, searched: Int) {
        let model = try ModelFunction(params: KMeansParams(
            numClusters: initial.rows, initialClusters: .matrix(initial), useMiniBatch: false,
            emptyClusterPolicy: .farthestPoint, algorithm: algorithm))
        var engine = AssignmentEngine(algorithm: algorithm, threads: threads)
        var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        var read = 0, searched = 0
        for step in 0..<iterations {
            state = try model.trainStepSummary(state, batch: points, engine: &engine).state
            if step > 0 {
                read += engine.lastPointsReadCount
                searched += engine.lastFullSearchCount
            }
        }
        return (state.clusters, read, searched)
    }

    /// Fits of 1, 21 and 20 iterations, interleaved `repeats` times after one warm-up round; best of each.
    static func time(points: Matrix, initial: Matrix, threads: Int, repeats: Int,
                     algorithm: KMeansAlgorithm = .auto) throws -> LibraryFitTiming {
        var best = (one: Double.infinity, twentyOne: Double.infinity, twenty: Double.infinity)
        var last: (centers: Matrix, read: Int, searched: Int)?
        for round in 0...max(1, repeats) {
            var failure: (any Error)?
            let one = Measure.wallAndCPU {
                do { _ = try fit(points: points, initial: initial, iterations: 1, threads: threads, algorithm: algorithm) } catch { failure = error }
            }.wall
            let twentyOne = Measure.wallAndCPU {
                do { _ = try fit(points: points, initial: initial, iterations: 21, threads: threads, algorithm: algorithm) } catch { failure = error }
            }.wall
            let twenty = Measure.wallAndCPU {
                do { last = try fit(points: points, initial: initial, iterations: 20, threads: threads, algorithm: algorithm) } catch { failure = error }
            }.wall
            if let failure { throw failure }
            guard round > 0 else { continue }  // warm-up
            best = (min(best.one, one), min(best.twentyOne, twentyOne), min(best.twenty, twenty))
        }
        let result = last!
        let passes = Double(19 * points.rows)
        return LibraryFitTiming(
            wholeFitMs: best.twenty * 1000, msPerIteration: (best.twentyOne - best.one) * 1000 / 20,
            inertia: Measure.inertia(points: points, centers: result.centers),
            pointsReadShare: Double(result.read) / passes, fullSearchShare: Double(result.searched) / passes,
            centers: result.centers)
    }
}
