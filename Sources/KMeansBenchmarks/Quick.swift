// `--quick MODE`: one workload timed alone, in-process.
import Foundation
import KMeansCore

/// `--quick`: min-of-N wall time and the CPU time per busy thread of that run, for predict (plain indices-only pass
/// vs the pruned search, results compared) or one full-batch library step (vs the bare kernel pass).
func runQuick(_ c: BenchmarkCase, mode: String, options: Options) throws {
    let threads = options.threads ?? DistanceKernels.defaultThreadCount
    let (points, initial) = try DataSets.load(c, directory: options.dataDirectory)
    let busy = Double(min(threads, DistanceKernels.partitions(of: c.n).count))
    func timed(_ label: String, _ body: () -> Void) {
        var bestWall = Double.infinity, cpuOfBest = Double.nan
        body()
        for _ in 0..<options.repeats {
            let (wall, cpu) = Measure.wallAndCPU(body)
            if wall < bestWall { bestWall = wall; cpuOfBest = cpu }
        }
        log("[\(c.label)] \(label): \(fmt(bestWall * 1000)) ms (CPU/thread \(fmt(cpuOfBest * 1000 / busy))), load \(Measure.loadAverage())")
    }
    switch mode {
    case "predict":
        let finalPath = "\(options.dataDirectory)/\(c.name).swift-final.npy"
        guard let centers = try Npy.read(finalPath) else { throw BenchmarkError(description: "run the full case first: no \(finalPath)") }
        var plain = LloydPass(indices: [], distances: [], sums: [], counts: [])
        var pruned: (indices: [Int32], fullSearches: Int) = ([], 0)
        timed("predict plain") {
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: threads,
                                      computeDistances: false, into: &plain)
        }
        timed("predict pruned") { pruned = DistanceKernels.prunedNearestIndices(points: points, centers: centers, threads: threads) }
        log("[\(c.label)] pruned == plain: \(pruned.indices == plain.indices), full searches \(fmt(Double(pruned.fullSearches) / Double(c.n) * 100))%")
        // The library's predict (`ModelFunction.nearest`: indices, TF's per-point distances and the loss).
        let model = try ModelFunction(params: KMeansParams(
            numClusters: c.k, initialClusters: .matrix(centers), useMiniBatch: false))
        let state = try model.initialize(model.initialState(), batch: points)
        var libraryIndices: [Int32] = []
        timed("library nearestIndices (as predictClusterIndex)") {
            libraryIndices = (try? model.nearestIndices(points, state: state)) ?? []
        }
        log("[\(c.label)] library nearestIndices == plain: \(libraryIndices == plain.indices)")
        var assignment: Assignment?
        timed("library nearest (indices, distances, loss)") { assignment = try? model.nearest(points, state: state) }
        var withDistances = LloydPass(indices: [], distances: [], sums: [], counts: [])
        timed("plain pass with distances") {
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: threads,
                                      computeDistances: true, into: &withDistances)
        }
        log("[\(c.label)] library nearest == plain pass: \(assignment?.indices == withDistances.indices.map { Int($0) } && assignment?.distances == withDistances.distances)")
    case "step":
        let model = try ModelFunction(params: KMeansParams(
            numClusters: c.k, initialClusters: .matrix(initial), useMiniBatch: false, algorithm: .auto))
        var engine = AssignmentEngine(algorithm: .auto, threads: threads)
        let state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        timed("library step") { _ = try? model.trainStepSummary(state, batch: points, engine: &engine) }
        var pass = LloydPass(indices: [], distances: [], sums: [], counts: [])
        timed("kernel pass (accumulate, no distances)") {
            DistanceKernels.lloydPass(points: points, centers: initial, accumulate: true, threads: threads,
                                      computeDistances: false, into: &pass)
        }
        timed("kernel pass (accumulate, distances)") {
            DistanceKernels.lloydPass(points: points, centers: initial, accumulate: true, threads: threads,
                                      computeDistances: true, into: &pass)
        }
    case "kpp":
        // Greedy k-means++ alone (the full run's settings); the index checksum compares builds.
        var indices: [Int] = []
        timed("k-means++") {
            indices = (try? KMeansPlusPlus.sampleIndices(points: points, count: c.k, seed: 1, retriesPerSample: -1)) ?? []
        }
        log("[\(c.label)] k-means++ indices checksum \(indices.enumerated().reduce(0) { $0 &* 31 &+ $1.element &* ($1.offset + 1) })")
    case "fit":
        // Whole 20-iteration library fits, auto and incremental (for profiling: callgrind, perf).
        // Per iteration as peers.py times the peers, (fit of 21 − fit of 1) / 20, in wall time and in CPU time per
        // busy thread (less inflated by other processes on a shared machine); auto and incremental interleaved.
        let algorithms = [KMeansAlgorithm.auto, .incremental]
        var wall = [[Double]](repeating: [.infinity, .infinity, .infinity], count: 2)
        var cpu = wall
        var shares = Array(repeating: (read: 0, searched: 0), count: 2)
        for round in 0...options.repeats {
            for (a, algorithm) in algorithms.enumerated() {
                for (slot, iterations) in [1, 21, 20].enumerated() {
                    var fit: (centers: Matrix, read: Int, searched: Int)?
                    let (w, c) = Measure.wallAndCPU {
                        fit = try? LibraryFit.fit(points: points, initial: initial, iterations: iterations,
                                                  threads: threads, algorithm: algorithm)
                    }
                    guard round > 0 else { continue }  // warm-up
                    wall[a][slot] = min(wall[a][slot], w)
                    cpu[a][slot] = min(cpu[a][slot], c / busy)
                    if iterations == 21, let fit { shares[a] = (fit.read, fit.searched) }
                }
            }
        }
        let passes = Double(20 * c.n)
        for (a, algorithm) in algorithms.enumerated() {
            log("[\(c.label)] \(algorithm.rawValue): whole fit of 20 \(fmt(wall[a][2] * 1000)) ms wall (CPU/thread \(fmt(cpu[a][2] * 1000))), of 1 \(fmt(wall[a][0] * 1000)) ms, \(fmt((wall[a][1] - wall[a][0]) * 50)) ms/iter wall, \(fmt((cpu[a][1] - cpu[a][0]) * 50)) ms/iter CPU/thread (21 − 1), rows read \(fmt(Double(shares[a].read) / passes * 100))%, searched \(fmt(Double(shares[a].searched) / passes * 100))%, load \(Measure.loadAverage())")
        }
    case "steps":
        // Where a whole fit's time goes, step by step, for auto and incremental: the share of rows read and fully
        // searched at each step, and each step's time (best of the rounds; the early steps, while the centres still
        // move far, search most rows).
        for algorithm in [KMeansAlgorithm.auto, .incremental] {
            var wall = [Double](repeating: .infinity, count: 21), cpu = wall
            var read: [String] = [], searched: [String] = [], skipped: [String] = []
            for round in 0...options.repeats {
                let model = try ModelFunction(params: KMeansParams(
                    numClusters: initial.rows, initialClusters: .matrix(initial), useMiniBatch: false,
                    emptyClusterPolicy: .farthestPoint, algorithm: algorithm))
                var engine = AssignmentEngine(algorithm: algorithm, threads: threads)
                var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
                read = []
                searched = []
                skipped = []
                for step in 0..<21 {
                    let (w, used) = Measure.wallAndCPU {
                        state = (try? model.trainStepSummary(state, batch: points, engine: &engine).state) ?? state
                    }
                    if round > 0 { wall[step] = min(wall[step], w); cpu[step] = min(cpu[step], used / busy) }
                    read.append(fmt(Double(engine.lastPointsReadCount) / Double(c.n) * 100))
                    searched.append(fmt(Double(engine.lastFullSearchCount) / Double(c.n) * 100))
                    let blocks = (initial.rows + 15) / 16
                    skipped.append(fmt(Double(engine.lastSkippedBlockCount)
                                       / Double(max(1, engine.lastFullSearchCount * blocks)) * 100))
                }
            }
            let name = algorithm.rawValue
            log("[\(c.label)] \(name): % of rows read per step: \(read.joined(separator: " "))")
            log("[\(c.label)] \(name): % of rows fully searched per step: \(searched.joined(separator: " "))")
            if algorithm == .auto, skipped.contains(where: { $0 != "0" }) {
                log("[\(c.label)] \(name): % of the searched rows' blocks of 16 centres skipped per step: \(skipped.joined(separator: " "))")
            }
            log("[\(c.label)] \(name): ms per step, CPU/thread: \(cpu.map { fmt($0 * 1000) }.joined(separator: " "))")
            log("[\(c.label)] \(name): ms per step, wall: \(wall.map { fmt($0 * 1000) }.joined(separator: " ")), load \(Measure.loadAverage())")
        }
    case "incremental", "auto":
        // Fits of 21 iterations of one algorithm only, for a profile dominated by the passes after the first.
        let algorithm = mode == "auto" ? KMeansAlgorithm.auto : .incremental
        timed("library fit, 21 it, \(mode)") {
            _ = try? LibraryFit.fit(points: points, initial: initial, iterations: 21, threads: threads,
                                    algorithm: algorithm)
        }
    case "handoff": try runQuickHandoff(c, options: options)
    default: throw BenchmarkError(description: "unknown --quick mode \(mode) (predict, step, kpp, fit, steps, incremental, auto or handoff)")
    }
}
