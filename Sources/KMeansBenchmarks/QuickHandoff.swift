// `--quick handoff`: where a short full-batch fit's wall time goes — the parallel loop's own cost per call, one
// pass on one thread against two, the parts of a whole fit, and the CPU the process burns once a loop has ended.
import Foundation
import KMeansCore

/// Per-call cost of `Parallel.forEach`, the default pass on 1 vs 2 threads, a fit's phases, idle CPU after work.
func runQuickHandoff(_ c: BenchmarkCase, options: Options) throws {
    let firstUse = Measure.seconds { Parallel.forEach(2) { _ in } }
    log("[\(c.label)] first Parallel.forEach(2) of the process: \(fmt(firstUse * 1e6)) µs, load \(Measure.loadAverage())")
    let threads = options.threads ?? DistanceKernels.defaultThreadCount
    let (points, initial) = try DataSets.load(c, directory: options.dataDirectory)
    let calls = 2000

    /// Mean and best-batch wall µs per call of `body`, and CPU µs per call, over `calls` back-to-back calls.
    func perCall(_ label: String, gapMicroseconds: Double = 0, _ body: () -> Void) {
        var best = Double.infinity, total = 0.0, cpu = 0.0
        let batch = 200
        for _ in 0..<(calls / batch) {
            let (wall, used) = Measure.wallAndCPU {
                for _ in 0..<batch {
                    body()
                    if gapMicroseconds > 0 { spin(microseconds: gapMicroseconds) }
                }
            }
            total += wall; cpu += used
            best = min(best, wall)
        }
        let gapNote = gapMicroseconds > 0 ? " (each followed by \(fmt(gapMicroseconds)) µs of serial work, included)" : ""
        log("[\(c.label)] \(label)\(gapNote): mean \(fmt(total / Double(calls) * 1e6)) µs, best batch \(fmt(best / Double(batch) * 1e6)) µs per call, CPU \(fmt(cpu / Double(calls) * 1e6)) µs per call, load \(Measure.loadAverage())")
    }
    perCall("empty forEach(2, threads: 2)") { Parallel.forEach(2, threads: 2) { _ in } }
    let partitions = DistanceKernels.partitions(of: c.n).count
    perCall("empty forEach(\(partitions), threads: \(threads))") { Parallel.forEach(partitions, threads: threads) { _ in } }
    perCall("empty forEach(\(partitions), threads: \(threads))", gapMicroseconds: 20) {
        Parallel.forEach(partitions, threads: threads) { _ in }
    }
    // Work the size of a pass on 2 threads (ideal wall: the work ÷ threads; a late second thread shows above it).
    perCall("forEach(2, threads: 2), 50 µs per index") { Parallel.forEach(2, threads: 2) { _ in spin(microseconds: 50) } }
    perCall("forEach(\(partitions), threads: \(threads)), 8 µs per index", gapMicroseconds: 20) {
        Parallel.forEach(partitions, threads: threads) { _ in spin(microseconds: 8) }
    }

    handOffLatency(c, calls: calls)

    // The default algorithm's loss pass (what a full-batch step runs), one thread against `threads`.
    for t in Set([1, threads]).sorted() {
        var engine = AssignmentEngine(algorithm: .auto, threads: t)
        let algorithm = engine.resolvedAlgorithm(points: points, centers: initial)
        var times: [Double] = []
        for _ in 0..<200 { times.append(Measure.seconds { _ = engine.lossPass(points: points, centers: initial, accumulate: true) }) }
        log("[\(c.label)] \(algorithm.rawValue) loss pass, \(t) thread(s): min \(fmt(best(times) * 1000)) ms, median \(fmt(median(times) * 1000)) ms")
    }

    // A whole 20-iteration fit by phase (as LibraryFit.fit), best of 30 fits per phase.
    var phases = [String: Double]()
    func phase<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        phases[name] = min(phases[name] ?? .infinity, seconds)
        return value
    }
    for _ in 0..<30 {
        let model = try phase("model") {
            try ModelFunction(params: KMeansParams(
                numClusters: initial.rows, initialClusters: .matrix(initial), useMiniBatch: false,
                emptyClusterPolicy: .farthestPoint, algorithm: .auto))
        }
        var engine = phase("engine") { AssignmentEngine(algorithm: .auto, threads: threads) }
        var state = try phase("initialize") { try model.initialize(model.initialState(), batch: points, engine: &engine) }
        var later = 0.0
        for step in 0..<20 {
            let start = DispatchTime.now().uptimeNanoseconds
            state = try phase(step == 0 ? "step 1" : "step 2") { try model.trainStepSummary(state, batch: points, engine: &engine).state }
            if step > 0 { later += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        }
        phases["steps 2–20"] = min(phases["steps 2–20"] ?? .infinity, later)
    }
    let order = ["model", "engine", "initialize", "step 1", "step 2", "steps 2–20"]
    log("[\(c.label)] fit phases, best of 30 (ms): " + order.map { "\($0) \(fmt((phases[$0] ?? .nan) * 1000))" }.joined(separator: ", "))

    // CPU burned by the whole process after a parallel loop has returned (a spinning worker would show), in
    // consecutive windows of sleep after the loop, averaged over 40 loops.
    let windowEnds: [UInt64] = [250, 500, 1000, 2000, 5000, 20000]
    var cpuInWindow = [Double](repeating: 0, count: windowEnds.count)
    let loops = 40
    for _ in 0..<loops {
        Parallel.forEach(partitions, threads: threads) { _ in spin(microseconds: 50) }
        let start = DispatchTime.now().uptimeNanoseconds
        var lastCPU = processCPUSeconds()
        for (w, end) in windowEnds.enumerated() {
            let now = DispatchTime.now().uptimeNanoseconds - start
            if now < end * 1000 { usleep(UInt32((end * 1000 - now) / 1000)) }
            let cpu = processCPUSeconds()
            cpuInWindow[w] += (cpu - lastCPU) / Double(loops)
            lastCPU = cpu
        }
    }
    var previous: UInt64 = 0
    let windows = windowEnds.enumerated().map { w, end in
        defer { previous = end }
        return "\(fmt(Double(previous) / 1000))–\(fmt(Double(end) / 1000)) ms: \(fmt(cpuInWindow[w] * 1e6)) µs"
    }
    log("[\(c.label)] CPU of the process while it sleeps after a loop (mean of \(loops)): \(windows.joined(separator: ", "))")
}

/// Busy work on the calling thread for about `microseconds`.
private func spin(microseconds: Double) {
    let end = DispatchTime.now().uptimeNanoseconds + UInt64(microseconds * 1000)
    while DispatchTime.now().uptimeNanoseconds < end {}
}

/// CPU seconds of every thread of this process (nanosecond clock, unlike getrusage's).
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// How often, and how late, a second thread takes part in `forEach(2, threads: 2)` of 50 µs per index: the start of
/// the index run off the calling thread, after the call began (ideal: both indices at once, 50 µs per call).
private func handOffLatency(_ c: BenchmarkCase, calls: Int) {
    let starts = UnsafeMutablePointer<UInt64>.allocate(capacity: 2), offCaller = UnsafeMutablePointer<Bool>.allocate(capacity: 2)
    defer { starts.deallocate(); offCaller.deallocate() }
    let sharedStarts = SharedPointer(starts), sharedOff = SharedPointer(offCaller)
    var delays: [Double] = [], walls: [Double] = []
    for _ in 0..<calls {
        let caller = UInt(bitPattern: Int(bitPattern: pthread_self()))
        let begin = DispatchTime.now().uptimeNanoseconds
        Parallel.forEach(2, threads: 2) { index in
            sharedStarts.pointer![index] = DispatchTime.now().uptimeNanoseconds
            sharedOff.pointer![index] = UInt(bitPattern: Int(bitPattern: pthread_self())) != caller
            spin(microseconds: 50)
        }
        walls.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e3)
        for index in 0..<2 where offCaller[index] { delays.append(Double(starts[index] - begin) / 1e3) }
    }
    delays.sort()
    func quantile(_ q: Double) -> String { delays.isEmpty ? "–" : fmt(delays[min(delays.count - 1, Int(q * Double(delays.count)))]) }
    log("[\(c.label)] forEach(2, threads: 2), 50 µs per index: indices run off the calling thread per call \(fmt(Double(delays.count) / Double(calls))), starting after \(quantile(0.1)) / \(quantile(0.5)) / \(quantile(0.9)) µs (p10 / median / p90); wall per call median \(fmt(median(walls))) µs, load \(Measure.loadAverage())")
}
