// Side-by-side benchmark of the k-means kernels (compare with Benchmarks/peers.sh).
//
//   swift run -c release KMeansBenchmarks [--cases A,B,C,D] [--repeats 3] [--threads N] [--data-dir Benchmarks/data]
//
// Each case runs in a child process of this executable so its peak RSS is its own. Data and initial centres are
// written as .npy into the data directory (created on first run, reused afterwards) so the peers read the same bytes.
import Foundation
import KMeansCore
import WorkbenchCore

/// Runs `KMeansMemoryProbe` (built next to this executable) on case `c`'s files; nil when it is missing or fails.
func probeMemory(_ c: BenchmarkCase, directory: String) -> (peak: Int, baseline: Int)? {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("KMeansMemoryProbe")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else { return nil }
    let process = Process()
    process.executableURL = executable
    process.arguments = ["\(directory)/\(c.name).x.npy", "\(directory)/\(c.name).init.npy", "20"]
    let pipe = Pipe()
    process.standardOutput = pipe
    guard (try? process.run()) != nil else { return nil }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
          let peak = object["peakResidentBytes"] as? Int, let baseline = object["baselineResidentBytes"] as? Int
    else { return nil }
    return (peak, baseline)
}

/// A bad command line or a failed case, with a message naming it.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

let fmaPeakPerCore = 112.0  // GFLOP/s, measured on this machine class (docs/BENCHMARKS.md)

struct Options {
    var cases = BenchmarkCase.all
    var repeats = 3
    var threads: Int? = nil
    var dataDirectory = "Benchmarks/data"
    var jsonPath: String? = nil
    var child: String? = nil
    /// `--quick predict` / `--quick step` / `--quick kpp`: time only predict (plain vs pruned), k-means++, or the library step against the kernel
    /// loop, in this process, on the cases' data and final centres from an earlier full run.
    var quick: String? = nil

    init(arguments: [String]) throws {
        var i = 1
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchmarkError(description: "missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--cases":
                cases = try value().split(separator: ",").map {
                    guard let c = BenchmarkCase.named(String($0)) else {
                        throw BenchmarkError(description: "unknown case \($0) (A, B, C, D or n<N>_d<D>_k<K>)")
                    }
                    return c
                }
            case "--repeats": repeats = max(1, Int(try value()) ?? 3)
            case "--threads": threads = Int(try value())
            case "--data-dir": dataDirectory = try value()
            case "--json": jsonPath = try value()
            case "--child": child = try value()
            case "--quick": quick = try value()
            case "--help", "-h":
                print("usage: KMeansBenchmarks [--cases A,B,C,D] [--repeats N] [--threads N] [--data-dir DIR] [--json FILE]")
                exit(0)
            default: throw BenchmarkError(description: "unknown argument \(arguments[i])")
            }
            i += 1
        }
    }
}

func best(_ times: [Double]) -> Double { times.min() ?? .nan }
func median(_ times: [Double]) -> Double {
    let sorted = times.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

func runCase(_ c: BenchmarkCase, options: Options) throws -> CaseResult {
    let loadBefore = Measure.loadAverage()
    let baseline = Measure.residentBytes()
    let threads = options.threads ?? DistanceKernels.defaultThreadCount
    let (points, initial) = try DataSets.load(c, directory: options.dataDirectory)
    let iterations = 20
    log("[\(c.label)] \(c.name): data ready, isa \(DistanceKernels.instructionSet), \(threads) threads")

    // The library path first (so the peak RSS after it is its own): what KMeansClustering.train runs per step.
    let model = try ModelFunction(params: KMeansParams(
        numClusters: c.k, initialClusters: .matrix(initial), useMiniBatch: false, algorithm: .auto))
    var libraryTimes: [Double] = []
    var libraryCpuOfBest = Double.infinity
    var libraryFailure: (any Error)?
    for repeatIndex in 0...options.repeats {
        var engine = AssignmentEngine(algorithm: .auto, threads: threads)
        var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
        let (wall, cpu) = Measure.wallAndCPU {
            do {
                for _ in 0..<iterations { state = try model.trainStepSummary(state, batch: points, engine: &engine).state }
            } catch { libraryFailure = error }
        }
        if let libraryFailure { throw libraryFailure }
        guard repeatIndex > 0 else { continue }  // the first run is a warm-up
        if wall < (libraryTimes.min() ?? .infinity) { libraryCpuOfBest = cpu }
        libraryTimes.append(wall)
    }
    let libraryPeak = Measure.peakResidentBytes()
    let libraryMs = best(libraryTimes) * 1000 / Double(iterations)
    let busyThreads = Double(min(threads, DistanceKernels.partitions(of: c.n).count))
    log("[\(c.label)] library (ModelFunction, auto) \(fmt(libraryMs)) ms/iter, peak RSS \(libraryPeak / 1_048_576) MiB")

    let fits = try LibraryFit.time(points: points, initial: initial, threads: threads, repeats: options.repeats)
    let incremental = try LibraryFit.time(points: points, initial: initial, threads: threads, repeats: options.repeats,
                                          algorithm: .incremental)
    log("[\(c.label)] library whole fit (incremental) \(fmt(incremental.wholeFitMs)) ms, \(fmt(incremental.msPerIteration)) ms/iter (21 − 1), rows read \(fmt(incremental.pointsReadShare * 100))%")
    log("[\(c.label)] library whole fit \(fmt(fits.wholeFitMs)) ms, \(fmt(fits.msPerIteration)) ms/iter (21 − 1), rows read \(fmt(fits.pointsReadShare * 100))%")

    // Full-batch Lloyd: one warm-up run, then the repeats.
    var loop = LloydLoop(points: points, threads: threads, algorithm: .lloyd)
    var finalCenters = loop.run(from: initial, iterations: 2)
    var times: [Double] = []
    var cpuOfBest = Double.infinity
    for _ in 0..<options.repeats {
        loop = LloydLoop(points: points, threads: threads, algorithm: .lloyd)
        let (wall, cpu) = Measure.wallAndCPU { finalCenters = loop.run(from: initial, iterations: iterations) }
        if wall < (times.min() ?? .infinity) { cpuOfBest = cpu }
        times.append(wall)
    }
    let peak = Measure.peakResidentBytes()
    let lloydMs = best(times) * 1000 / Double(iterations)
    let relocations = loop.relocations
    let gflops = c.flopsPerIteration / (lloydMs / 1000) / 1e9
    try Npy.write(finalCenters.values, rows: c.k, columns: c.d, to: "\(options.dataDirectory)/\(c.name).swift-final.npy")
    log("[\(c.label)] lloyd \(fmt(lloydMs)) ms/iter")

    // Hamerly over the same iterations.
    var hamerlyTimes: [Double] = []
    var hamerlyCenters = initial
    var searchFraction = 1.0
    for _ in 0..<options.repeats {
        var h = LloydLoop(points: points, threads: threads, algorithm: .hamerly)
        hamerlyTimes.append(Measure.seconds { hamerlyCenters = h.run(from: initial, iterations: iterations) })
        searchFraction = Double(h.fullSearches) / Double(c.n * iterations)
    }
    log("[\(c.label)] hamerly \(fmt(best(hamerlyTimes) * 1000 / Double(iterations))) ms/iter, full searches \(fmt(searchFraction * 100, 3))%")

    // Predict: assignment only, with the final centres.
    var pass = LloydPass(indices: [], distances: [], sums: [], counts: [])
    var predictTimes: [Double] = []
    for _ in 0..<(options.repeats + 2) {
        predictTimes.append(Measure.seconds {
            DistanceKernels.lloydPass(points: points, centers: finalCenters, accumulate: false, threads: threads,
                                      computeDistances: false, into: &pass)
        })
    }

    var prunedTimes: [Double] = []
    var pruned: (indices: [Int32], fullSearches: Int) = ([], 0)
    for _ in 0..<(options.repeats + 2) {
        prunedTimes.append(Measure.seconds {
            pruned = DistanceKernels.prunedNearestIndices(points: points, centers: finalCenters, threads: threads)
        })
    }
    let predictModel = try ModelFunction(params: KMeansParams(
        numClusters: c.k, initialClusters: .matrix(finalCenters), useMiniBatch: false))
    let predictState = try predictModel.initialize(predictModel.initialState(), batch: points)
    var libraryPredictTimes: [Double] = []
    for _ in 0..<(options.repeats + 2) {
        libraryPredictTimes.append(Measure.seconds { _ = try? predictModel.nearestIndices(points, state: predictState) })
    }
    log("[\(c.label)] library predict (ModelFunction.nearestIndices, as predictClusterIndex) \(fmt(best(libraryPredictTimes) * 1000)) ms")
    log("[\(c.label)] predict \(fmt(best(predictTimes) * 1000)) ms, pruned \(fmt(best(prunedTimes) * 1000)) ms (searched \(fmt(Double(pruned.fullSearches) / Double(c.n) * 100, 3))%)")

    // Transform (all distances, n × k) only where the output stays small.
    var transformMs: Double? = nil
    if c.n * c.k <= 16_000_000 {
        var ts: [Double] = []
        for _ in 0..<options.repeats {
            ts.append(Measure.seconds { _ = DistanceKernels.allDistances(points: points, centers: finalCenters, threads: threads) })
        }
        transformMs = best(ts) * 1000
    }

    // One mini-batch step (batch 1024): uniform sample, gather, assign + accumulate, Sculley's per-centre rate.
    let batchSize = 1024, steps = 200
    var random = SplitMix64(seed: c.seed + 7)
    var miniCenters = initial
    var totalCounts = [Float](repeating: 0, count: c.k)
    var batchValues = [Float](repeating: 0, count: batchSize * c.d)
    var batchPass = LloydPass(indices: [], distances: [], sums: [], counts: [])
    var stepTimes: [Double] = []
    for _ in 0..<options.repeats {
        stepTimes.append(Measure.seconds {
            for _ in 0..<steps {
                points.values.withUnsafeBufferPointer { x in
                    batchValues.withUnsafeMutableBufferPointer { b in
                        for r in 0..<batchSize {
                            let row = random.below(c.n)
                            for t in 0..<c.d { b[r * c.d + t] = x[row * c.d + t] }
                        }
                    }
                }
                let batch = Matrix(rows: batchSize, columns: c.d, values: batchValues)
                DistanceKernels.lloydPass(points: batch, centers: miniCenters, accumulate: true, threads: 1,
                                          computeDistances: true, into: &batchPass)
                miniCenters.withUnsafeMutableValues { m in
                    for j in 0..<c.k where batchPass.counts[j] > 0 {
                        let old = totalCounts[j], added = batchPass.counts[j]
                        for t in 0..<c.d { m[j * c.d + t] = (m[j * c.d + t] * old + batchPass.sums[j * c.d + t]) / (old + added) }
                        totalCounts[j] = old + added
                    }
                }
            }
        } / Double(steps))
    }

    // Cosine (spherical) full batch: normalise X once, renormalise centres every iteration (TF's update).
    var cosineMs = Double.nan
    do {
        let unit = normalizedRows(points)
        var cosCenters = normalizedRows(initial)
        var cosPass = LloydPass(indices: [], distances: [], sums: [], counts: [])
        var ts: [Double] = []
        for _ in 0..<options.repeats {
            var centers = cosCenters
            ts.append(Measure.seconds {
                for _ in 0..<iterations {
                    DistanceKernels.lloydPass(points: unit, centers: centers, accumulate: true, threads: threads,
                                              computeDistances: true, into: &cosPass)
                    var values = [Float](repeating: 0, count: c.k * c.d)
                    for j in 0..<c.k {
                        for t in 0..<c.d { values[j * c.d + t] = cosPass.sums[j * c.d + t] / (cosPass.counts[j] + Float(1e-6)) }
                    }
                    centers = normalizedRows(Matrix(rows: c.k, columns: c.d, values: values))
                }
            })
            cosCenters = normalizedRows(initial)
        }
        cosineMs = best(ts) * 1000 / Double(iterations)
    }

    // Greedy k-means++ (TF's kernel, 2 + ⌊ln K⌋ candidates per centre, as scikit-learn's default).
    var plusPlusTimes: [Double] = []
    for r in 0..<(c.n * c.d * c.k > 1_000_000_000 ? 1 : options.repeats) {
        plusPlusTimes.append(Measure.seconds {
            _ = try? KMeansPlusPlus.sampleIndices(points: points, count: c.k, seed: Int64(r + 1), retriesPerSample: -1)
        })
    }
    log("[\(c.label)] k-means++ \(fmt(best(plusPlusTimes))) s")

    // One workbench frame at 200×60 over all N points (render only; the session is built once, untimed).
    var frameMs: Double? = nil
    if c.n >= 1_000_000 {
        let session = Session(dataSet: DataSet(name: c.name, points: points), width: 200, height: 60)
        let renderer = Renderer(tier: .truecolor)
        var frames: [Double] = []
        for _ in 0..<(options.repeats + 2) {
            frames.append(Measure.seconds { _ = renderer.render(session) })
        }
        frameMs = best(frames) * 1000
        log("[\(c.label)] workbench frame \(fmt(frameMs)) ms")
    }

    let inertia = Measure.inertia(points: points, centers: finalCenters)
    let autoChoice = KMeansAlgorithm.auto.resolved(points: c.n, dimensions: c.d, centers: c.k)
    log("[\(c.label)] done: inertia \(inertia)")
    return CaseResult(
        caseInfo: c, instructionSet: DistanceKernels.instructionSet, threads: threads, iterations: iterations,
        repeats: options.repeats, loadBefore: loadBefore, loadAfter: Measure.loadAverage(),
        lloydMsPerIteration: lloydMs, lloydMedianMsPerIteration: median(times) * 1000 / Double(iterations),
        lloydCpuMsPerIterationPerThread: cpuOfBest * 1000 / Double(iterations) / Double(min(threads, DistanceKernels.partitions(of: c.n).count)),
        lloydGflops: gflops, lloydShareOfFmaPeak: gflops / (fmaPeakPerCore * Double(threads)),
        lloydInertia: inertia, emptyClusterRelocations: relocations,
        hamerlyMsPerIteration: best(hamerlyTimes) * 1000 / Double(iterations),
        hamerlyEqualsLloyd: hamerlyCenters == finalCenters, hamerlySearchFraction: searchFraction,
        autoAlgorithm: autoChoice.rawValue,
        autoMsPerIteration: autoChoice == .hamerly ? best(hamerlyTimes) * 1000 / Double(iterations) : lloydMs,
        predictMs: best(predictTimes) * 1000,
        prunedPredictMs: best(prunedTimes) * 1000,
        prunedPredictSearchFraction: Double(pruned.fullSearches) / Double(c.n),
        prunedPredictEqualsPlain: pruned.indices == pass.indices,
        libraryPredictMs: best(libraryPredictTimes) * 1000,
        transformMs: transformMs,
        miniBatchStepMs: best(stepTimes) * 1000, cosineMsPerIteration: cosineMs,
        kmeansPlusPlusSeconds: best(plusPlusTimes),
        workbenchFrameMs: frameMs,
        libraryMsPerIteration: libraryMs,
        libraryCpuMsPerIterationPerThread: libraryCpuOfBest * 1000 / Double(iterations) / busyThreads,
        libraryPeakResidentBytes: libraryPeak,
        peakResidentBytes: peak, baselineResidentBytes: baseline, dataBytes: c.n * c.d * 4,
        wholeFitMs: fits.wholeFitMs, msPerIteration: fits.msPerIteration, wholeFitInertia: fits.inertia,
        pointsReadShare: fits.pointsReadShare, fullSearchShare: fits.fullSearchShare,
        incrementalWholeFitMs: incremental.wholeFitMs, incrementalMsPerIteration: incremental.msPerIteration,
        incrementalInertia: incremental.inertia, incrementalPointsReadShare: incremental.pointsReadShare,
        incrementalFullSearchShare: incremental.fullSearchShare,
        incrementalMaxUlpsFromTF: Double(incremental.centers.largestUlpDifference(from: fits.centers)))
}

/// Rows scaled to unit length (TF's l2_normalize: x · rsqrt(max(Σx², 1e-12))).
func normalizedRows(_ m: Matrix) -> Matrix {
    var values = m.values
    let d = m.columns
    for i in 0..<m.rows {
        var s: Float = 0
        for t in 0..<d { s += values[i * d + t] * values[i * d + t] }
        let scale = 1 / max(s, 1e-12).squareRoot()
        for t in 0..<d { values[i * d + t] *= scale }
    }
    return Matrix(rows: m.rows, columns: d, values: values)
}

func fmt(_ x: Double?, _ digits: Int = 3) -> String {
    guard let x, x.isFinite else { return "—" }
    return String(format: "%.\(digits)g", x)
}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

do {
    if SweepBenchmark.requested { try SweepBenchmark.run(); exit(0) }
    let options = try Options(arguments: CommandLine.arguments)
    try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
    if let mode = options.quick {
        for c in options.cases { try runQuick(c, mode: mode, options: options) }
        exit(0)
    }
    if let label = options.child {
        guard let c = BenchmarkCase.named(label) else { throw BenchmarkError(description: "unknown case \(label)") }
        let result = try runCase(c, options: options)
        let json = try JSONEncoder().encode(result)
        print("RESULT " + String(decoding: json, as: UTF8.self))
        exit(0)
    }
    log("kmeans kernels benchmark: isa \(DistanceKernels.instructionSet), \(options.threads ?? DistanceKernels.defaultThreadCount) threads, load \(Measure.loadAverage())")
    var results: [CaseResult] = []
    for c in options.cases {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = ["--child", c.label, "--repeats", String(options.repeats), "--data-dir", options.dataDirectory]
        if let t = options.threads { arguments += ["--threads", String(t)] }
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") })
        else { throw BenchmarkError(description: "case \(c.label) failed (status \(process.terminationStatus))") }
        var result = try JSONDecoder().decode(CaseResult.self, from: Data(line.dropFirst(7).utf8))
        if let probe = probeMemory(c, directory: options.dataDirectory) {
            result.coreOnlyPeakResidentBytes = probe.peak
            result.coreOnlyBaselineResidentBytes = probe.baseline
            log("[\(c.label)] core-only process (KMeansMemoryProbe): peak RSS \(fmt(Double(probe.peak) / Double(result.dataBytes)))× the data")
        }
        results.append(result)
    }
    printTable(results)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let json = try encoder.encode(results)
    let path = options.jsonPath ?? "\(options.dataDirectory)/swift-results.json"
    try json.write(to: URL(fileURLWithPath: path))
    print("")
    print(String(decoding: json, as: UTF8.self))
    log("results written to \(path)")
} catch {
    log("error: \(error)")
    exit(1)
}
