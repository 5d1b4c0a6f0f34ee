// Peak memory of full-batch training as a core-only program sees it: reads an n × d float32 `.npy` (the
// benchmark's data), trains full batch through `ModelFunction` (what `KMeansClustering.train` runs per step,
// algorithm auto) and prints the process's peak resident set size against the data size, as one JSON line.
//
//   KMeansMemoryProbe [points.npy] [initial-centres.npy] [steps]
//
// Defaults: case C of the benchmark (Benchmarks/data/n1m_d16_k16.{x,init}.npy, 20 steps). Only KMeansCore, KMeansData
// (its .npy reader) and the C library are linked (no Foundation), so the runtime baseline is the Swift runtime and
// Dispatch alone.
import Dispatch
import KMeansCore
import KMeansData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ProbeError: Error, CustomStringConvertible {
    let description: String
}

/// Reads a two-dimensional `.npy` file through KMeansData (which, like the core, needs no Foundation).
func readMatrix(_ path: String) throws -> Matrix {
    guard access(path, F_OK) == 0 else {
        throw ProbeError(description: "\(path): file not found (run KMeansBenchmarks first to write the data)")
    }
    return try DataReader(path: path, options: DataReadOptions(format: .npy)).readAll()
}

/// A `kB` field of /proc/self/status (`VmRSS`, `VmHWM`) in bytes. Unlike `getrusage`'s `ru_maxrss`, which Linux
/// carries across `exec` from the parent that spawned the process, these count this process's own memory only.
func statusBytes(_ field: String) -> Int {
    let fd = open("/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 8192)
    let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return 0 }
    let text = String(decoding: bytes[0..<count], as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kilobytes = Int(line.dropFirst(field.count + 1).filter(\.isNumber)) else { return 0 }
    return kilobytes * 1024
}

func run() throws {
    let arguments = CommandLine.arguments.dropFirst()
    let pointsPath = arguments.first ?? "Benchmarks/data/n1m_d16_k16.x.npy"
    let initialPath = arguments.dropFirst().first ?? pointsPath.replacingSuffix(".x.npy", with: ".init.npy")
    let steps = Int(arguments.dropFirst(2).first ?? "20") ?? 20
    // Threads start before the baseline is read, so their stacks count as runtime, not as training.
    Parallel.forEach(Parallel.processorCount) { _ in }
    let baseline = statusBytes("VmRSS")
    let initial = try readMatrix(initialPath)
    let points = try readMatrix(pointsPath)
    guard initial.columns == points.columns else {
        throw ProbeError(description: "\(initialPath): \(initial.columns) columns, the points have \(points.columns)")
    }
    let model = try ModelFunction(params: KMeansParams(
        numClusters: initial.rows, initialClusters: .matrix(initial), useMiniBatch: false, algorithm: .auto))
    var engine = AssignmentEngine(algorithm: .auto)
    var state = try model.initialize(model.initialState(), batch: points, engine: &engine)
    var loss: Float = 0
    for _ in 0..<steps {
        let summary = try model.trainStepSummary(state, batch: points, engine: &engine)
        state = summary.state
        loss = summary.loss
    }
    let peak = statusBytes("VmHWM")
    let data = points.rows * points.columns * 4
    let ratio = Double(peak) / Double(data), aboveBaseline = Double(peak - baseline) / Double(data)
    print("{\"points\":\(points.rows),\"dimensions\":\(points.columns),\"centers\":\(initial.rows),\"steps\":\(steps),"
        + "\"algorithm\":\"\(engine.resolvedAlgorithm(points: points, centers: state.clusters).rawValue)\","
        + "\"dataBytes\":\(data),\"peakResidentBytes\":\(peak),\"baselineResidentBytes\":\(baseline),"
        + "\"peakOverData\":\(ratio),\"peakAboveBaselineOverData\":\(aboveBaseline),\"finalLoss\":\(loss)}")
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}

do {
    // Out-of-core mode (Streamed.swift).
    if CommandLine.arguments.dropFirst().first == "--streamed" { try runStreamed(Array(CommandLine.arguments.dropFirst(2))) } else { try run() }
} catch {
    let message = "KMeansMemoryProbe: \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}
