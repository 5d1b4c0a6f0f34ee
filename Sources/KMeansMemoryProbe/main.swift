// Peak memory of full-batch training as a core-only program sees it: reads an n × d float32 `.npy` (the
// benchmark's data), trains full batch through `ModelFunction` (what `KMeansClustering.train` runs per step,
// algorithm auto) and prints the process's peak resident set size against the data size, as one JSON line.
//
//   KMeansMemoryProbe [points.npy] [initial-centres.npy] [steps]
//
// Defaults: case C of the benchmark (Benchmarks/data/n1m_d16_k16.{x,init}.npy, 20 steps). Only KMeansCore and the
// C library are linked (no Foundation), so the runtime baseline is the Swift runtime and Dispatch alone.
import Dispatch
import KMeansCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ProbeError: Error, CustomStringConvertible {
    let description: String
}

/// Reads a little-endian float32, C-order, two-dimensional `.npy` file (format versions 1–3).
func readFloat32Npy(_ path: String) throws -> Matrix {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw ProbeError(description: "\(path): cannot open (run KMeansBenchmarks first to write the data)") }
    defer { close(fd) }
    func readExactly(_ count: Int, into pointer: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let got = read(fd, pointer + done, count - done)
            guard got > 0 else { throw ProbeError(description: "\(path): ends after \(done) of \(count) bytes") }
            done += got
        }
    }
    var prefix = [UInt8](repeating: 0, count: 12)
    try prefix.withUnsafeMutableBytes { try readExactly(10, into: $0.baseAddress!) }
    guard prefix[0] == 0x93, prefix[1...5].elementsEqual("NUMPY".utf8) else {
        throw ProbeError(description: "\(path): not an .npy file")
    }
    var headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
    if prefix[6] >= 2 {
        try prefix.withUnsafeMutableBytes { try readExactly(2, into: $0.baseAddress! + 10) }
        headerLength |= Int(prefix[10]) << 16 | Int(prefix[11]) << 24
    }
    var header = [UInt8](repeating: 0, count: headerLength)
    try header.withUnsafeMutableBytes { try readExactly(headerLength, into: $0.baseAddress!) }
    let text = String(decoding: header, as: UTF8.self)
    guard text.contains("'<f4'"), text.contains("'fortran_order': False") else {
        throw ProbeError(description: "\(path): expected little-endian float32 in C order, header \(text)")
    }
    guard let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") else {
        throw ProbeError(description: "\(path): no shape in header \(text)")
    }
    let dims = text[text.index(after: open)..<close].split(separator: ",").compactMap {
        Int($0.filter { !$0.isWhitespace })
    }
    guard dims.count == 2, dims[0] > 0, dims[1] > 0 else { throw ProbeError(description: "\(path): shape is not n × d") }
    let count = dims[0] * dims[1]
    let values = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        try readExactly(count * 4, into: UnsafeMutableRawPointer(buffer.baseAddress!))
        initialized = count
    }
    return Matrix(rows: dims[0], columns: dims[1], values: values)
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
    DispatchQueue.concurrentPerform(iterations: max(1, DistanceKernels.defaultThreadCount)) { _ in }
    let baseline = statusBytes("VmRSS")
    let initial = try readFloat32Npy(initialPath)
    let points = try readFloat32Npy(pointsPath)
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
    try run()
} catch {
    let message = "KMeansMemoryProbe: \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}
