// The out-of-core mode: full-batch steps streamed from a `.npy` under a memory budget, with the throughput of each
// step against reading the file once (what `cat file > /dev/null` does) in the same run, and the peak RSS.
//
//   KMeansMemoryProbe --streamed BUDGET_BYTES points.npy initial-centres.npy [steps]
import KMeansCore
import KMeansData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Reads the whole file in 1 MiB blocks and drops the bytes, as `cat file > /dev/null`; returns the seconds taken.
func catSeconds(_ path: String) throws -> Double {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw ProbeError(description: "\(path): cannot open") }
    defer { close(fd) }
    let block = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { block.deallocate() }
    let start = seconds()
    while read(fd, block, 1 << 20) > 0 {}
    return seconds() - start
}

func runStreamed(_ arguments: [String]) throws {
    guard arguments.count >= 3, let budget = Int(arguments[0]), budget > 0 else {
        throw ProbeError(description: "usage: KMeansMemoryProbe --streamed BUDGET_BYTES points.npy initial-centres.npy [steps]")
    }
    let steps = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
    Parallel.forEach(Parallel.processorCount) { _ in }
    let baseline = statusBytes("VmRSS")
    let initial = try readMatrix(arguments[2])
    let reader = try NPYRangedReader(path: arguments[1])
    guard initial.columns == reader.columns else {
        throw ProbeError(description: "\(arguments[2]): \(initial.columns) columns, the points have \(reader.columns)")
    }
    let threads = Parallel.processorCount
    let chunkRows = max(1, DistanceKernels.streamedChunkRows(budgetBytes: budget, columns: reader.columns, threads: threads))
    let model = try ModelFunction(params: KMeansParams(
        numClusters: initial.rows, initialClusters: .matrix(initial), useMiniBatch: false, algorithm: .lloyd))
    var state = try model.initialize(model.initialState(), batch: initial)
    let bytes = Double(reader.rows * reader.columns * 4)
    var stepRates: [Double] = [], catRates: [Double] = []
    var loss: Float = 0
    for _ in 0..<steps {
        // Interleaved: one file read, then one step, so both see the same page-cache and load conditions.
        catRates.append(bytes / 1e9 / (try catSeconds(arguments[1])))
        let start = seconds()
        let summary = try model.streamedTrainStep(state, rows: reader.rows, columns: reader.columns,
                                                  chunkRows: chunkRows, threads: threads) { range, buffer in
            try reader.read(rows: range, into: buffer)
        }
        stepRates.append(bytes / 1e9 / (seconds() - start))
        state = summary.state
        loss = summary.loss
    }
    let peak = statusBytes("VmHWM")
    func list(_ values: [Double]) -> String { "[" + values.map { String(Int($0 * 1000)) }.joined(separator: ",") + "]" }
    print("{\"mode\":\"streamed\",\"points\":\(reader.rows),\"dimensions\":\(reader.columns),\"centers\":\(initial.rows),"
        + "\"steps\":\(steps),\"dataBytes\":\(Int(bytes)),\"budgetBytes\":\(budget),\"chunkRows\":\(chunkRows),"
        + "\"peakResidentBytes\":\(peak),\"baselineResidentBytes\":\(baseline),"
        + "\"peakMinusBudgetBytes\":\(peak - budget),\"stepMBps\":\(list(stepRates)),\"catMBps\":\(list(catRates)),"
        + "\"finalLoss\":\(loss)}")
}
