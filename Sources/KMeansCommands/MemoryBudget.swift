import Foundation
import KMeansCore

/// How much memory the training data may take (`kmeans train --memory-limit`): a full-batch run on a `.npy`
/// larger than this streams the file once per step instead of loading it.
struct MemoryBudget: Equatable {
    /// The budget in bytes.
    let bytes: Int

    /// The share of the kernel's MemAvailable the default budget takes.
    static let defaultShareOfAvailable = 0.5
    /// The budget where /proc/meminfo cannot be read.
    static let fallbackBytes = 1 << 30

    /// Parses `SIZE`: bytes, or a number with K, M, G or T (powers of 1024; `512M`, `2G`, `1.5G`, `64KiB`, `64kb`).
    static func parse(_ text: String) throws -> MemoryBudget {
        let units: [Character: Double] = ["k": 0x1p10, "m": 0x1p20, "g": 0x1p30, "t": 0x1p40]
        var body = Substring(text.trimmingCharacters(in: " ").lowercased())
        if body.hasSuffix("ib") { body = body.dropLast(2) } else if body.hasSuffix("b") { body = body.dropLast() }
        var scale = 1.0
        if let last = body.last, let unit = units[last] {
            scale = unit
            body = body.dropLast()
        }
        guard let number = Double(body), number.isFinite, number > 0, (number * scale).rounded(.down) >= 1,
              number * scale < 0x1p62 else {
            throw CLIError.parameter("--memory-limit must be a size such as 512M, 2G or a number of bytes, given: '\(text)'")
        }
        return MemoryBudget(bytes: Int((number * scale).rounded(.down)))
    }

    /// Half of what the machine can spare (MemAvailable in /proc/meminfo), or 1 GiB where that cannot be read.
    static func machineDefault(meminfo: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> MemoryBudget {
        let line = meminfo?.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }
        guard let kilobytes = line.flatMap({ Int($0.dropFirst("MemAvailable:".count).filter(\.isNumber)) }), kilobytes > 0 else {
            return MemoryBudget(bytes: fallbackBytes)
        }
        return MemoryBudget(bytes: Int(Double(kilobytes * 1024) * defaultShareOfAvailable))
    }

    /// The budget for display: `64 KiB`, `1.5 GiB`.
    var description: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) bytes" }
        let tenths = (value * 10).rounded() / 10
        return tenths.rounded() == tenths ? "\(Int(tenths)) \(units[unit])" : "\(tenths) \(units[unit])"
    }

    /// Rows per chunk of a streamed pass over `columns` features with `threads` chunks in flight
    /// (``DistanceKernels/streamedChunkRows(budgetBytes:columns:threads:)``); throws when the budget cannot hold
    /// one row per thread.
    func chunkRows(columns: Int, threads: Int, file: String) throws -> Int {
        let rows = DistanceKernels.streamedChunkRows(budgetBytes: bytes, columns: columns, threads: threads)
        if rows < 1 {
            let least = DistanceKernels.streamedBytesPerRow(columns: columns) * threads
            throw CLIError.parameter("--memory-limit \(description) is smaller than one row of \(file) per core (\(columns) features: \(least) bytes for \(threads) cores); raise it to at least \(least)")
        }
        return rows
    }
}
