import Foundation
import Testing

/// Ten million points, generated into a temporary directory (never committed), trained in full-batch and
/// mini-batch modes while the peak resident memory of the `kmeans` process is measured. Slow, so opt-in:
/// `KMEANS_LOAD_TESTS=1 swift test --filter LoadTests` (KMEANS_LOAD_POINTS changes the size).
///
/// The budgets (docs/ROBUSTNESS.md): full batch holds the points once plus per-point assignment state, at most
/// 40 bytes per 2-D point + 64 MB; mini-batch streams the file and stays under 64 MB whatever its size.
@Suite("Load: ten million points", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["KMEANS_LOAD_TESTS"] == "1", "set KMEANS_LOAD_TESTS=1 to run"))
struct LoadTests {
    static let points = environmentInt("KMEANS_LOAD_POINTS", 10_000_000)
    static let fullBatchBudget = points * 40 + (64 << 20)
    static let miniBatchBudget = 64 << 20

    /// Blobs around 8 centres, 2 features, as `.npy` float32 and as CSV with 4 decimals; written in chunks.
    private static func generate(in scratch: Scratch) throws -> (npy: String, csv: String) {
        var state: UInt64 = 42
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let npyPath = scratch.path("big.npy")
        let csvPath = scratch.path("big.csv")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(points), 2), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        try Data().write(to: URL(fileURLWithPath: npyPath))
        try Data().write(to: URL(fileURLWithPath: csvPath))
        let npy = try #require(FileHandle(forWritingAtPath: npyPath))
        let csv = try #require(FileHandle(forWritingAtPath: csvPath))
        npy.write(Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)))
        let chunk = 250_000
        var written = 0
        while written < points {
            let count = min(chunk, points - written)
            var binary = [UInt8]()
            binary.reserveCapacity(count * 8)
            var text = [UInt8]()
            text.reserveCapacity(count * 20)
            for i in 0..<count {
                let blob = (written + i) % 8
                let x = Float(blob % 4) * 10 + uniform()
                let y = Float(blob / 4) * 10 + uniform()
                for value in [x, y] { withUnsafeBytes(of: value.bitPattern.littleEndian) { binary.append(contentsOf: $0) } }
                appendFixed(x, to: &text)
                text.append(UInt8(ascii: ","))
                appendFixed(y, to: &text)
                text.append(UInt8(ascii: "\n"))
            }
            npy.write(Data(binary))
            csv.write(Data(text))
            written += count
        }
        try npy.close()
        try csv.close()
        return (npyPath, csvPath)
    }

    /// `value` (0 ≤ value < 100000) with four decimals, without Foundation's slow formatting.
    private static func appendFixed(_ value: Float, to text: inout [UInt8]) {
        let scaled = Int((value * 10_000).rounded())
        text.append(contentsOf: Array(String(scaled / 10_000).utf8))
        text.append(UInt8(ascii: "."))
        let fraction = scaled % 10_000
        for divisor in [1000, 100, 10, 1] { text.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10)) }
    }

    /// Runs `kmeans` under `/usr/bin/time -v`, returning the result and the peak resident set in bytes.
    private static func measured(_ scratch: Scratch, _ arguments: [String]) throws -> (CLIResult, Int) {
        let binary = try #require(KMeansBinary.url)
        let timeFile = scratch.path("time-\(UUID().uuidString).txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-v", "-o", timeFile, binary.path] + arguments
        process.currentDirectoryURL = scratch.url
        let out = scratch.path("out-\(UUID().uuidString)")
        let err = scratch.path("err-\(UUID().uuidString)")
        try Data().write(to: URL(fileURLWithPath: out))
        try Data().write(to: URL(fileURLWithPath: err))
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        process.waitUntilExit()
        let elapsed = Date().timeIntervalSince(started)
        let report = try String(contentsOfFile: timeFile, encoding: .utf8)
        let line = try #require(report.split(separator: "\n").first { $0.contains("Maximum resident set size") })
        let kilobytes = try #require(Int(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
        let result = CLIResult(status: process.terminationStatus,
                               stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                               stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        print("load: kmeans \(arguments.prefix(3).joined(separator: " ")) … peak RSS \(kilobytes / 1024) MB, \(String(format: "%.1f", elapsed)) s")
        return (result, kilobytes * 1024)
    }

    @Test("full batch and mini-batch on 10M points stay within the memory budget")
    func tenMillionPoints() throws {
        let scratch = try Scratch()
        let files = try Self.generate(in: scratch)
        let common = ["--num-clusters", "8", "--initial-clusters", "random", "--random-seed", "1", "--quiet", "--format", "json"]
        for (name, path) in [("npy", files.npy), ("csv", files.csv)] {
            let (full, fullPeak) = try Self.measured(scratch, ["train", "--data", path, "--model-dir", "full-\(name)",
                                                                "--use-mini-batch", "false", "--steps", "2"] + common)
            #expect(full.status == 0, "\(full.stderr)")
            #expect(number(try full.json()["rows"]) == Double(Self.points))
            #expect(fullPeak <= Self.fullBatchBudget, "full batch from \(name): peak \(fullPeak >> 20) MB > budget \(Self.fullBatchBudget >> 20) MB")

            let (mini, miniPeak) = try Self.measured(scratch, ["train", "--data", path, "--model-dir", "mini-\(name)",
                                                                "--batch-size", "10000", "--steps", "20"] + common)
            #expect(mini.status == 0, "\(mini.stderr)")
            #expect(number(try mini.json()["rows"]) == Double(Self.points))
            #expect(miniPeak <= Self.miniBatchBudget, "mini-batch from \(name): peak \(miniPeak >> 20) MB > budget \(Self.miniBatchBudget >> 20) MB")
        }
    }
}
