import Foundation
import KMeansCore
import Testing

/// A `kmeans` process started in the background, its output captured in files, for killing at chosen moments.
final class BackgroundRun {
    let process = Process()
    private let outURL: URL
    private let errURL: URL

    /// Starts `kmeans arguments` in `scratch`'s directory.
    init(_ scratch: Scratch, _ arguments: [String]) throws {
        let binary = try #require(KMeansBinary.url, "the kmeans binary was not found; build it with `swift build` or set KMEANS_BINARY")
        let id = UUID().uuidString
        outURL = scratch.url.appendingPathComponent(".bg-out-\(id)")
        errURL = scratch.url.appendingPathComponent(".bg-err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = scratch.url
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends `signal` and waits for the process to end.
    func kill(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    /// Waits for the process to end by itself (up to `timeout` seconds, then SIGKILL) and returns what it printed.
    func finish(timeout: TimeInterval = 120) -> CLIResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return result
    }

    /// Exit status and output so far (call after the process ended).
    var result: CLIResult {
        CLIResult(status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                  stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
                  stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }

    deinit {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
}

/// Seeded fault timings (core's SplitMix64), so a failing schedule can be replayed.
typealias FaultSchedule = SplitMix64

extension SplitMix64 {
    /// Uniform in `range` (milliseconds or any small integers).
    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// What the `checkpoint` state file of a model directory names, parsed with a deliberately simple reader
/// (independent of the code under test): the latest prefix and every retained one.
struct StateFileListing {
    var latest: String?
    var all: [String] = []

    init(directory: URL) {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("checkpoint"), encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            guard let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else { continue }
            let value = String(line[line.index(after: open)..<close])
            if line.hasPrefix("model_checkpoint_path:") { latest = value }
            if line.hasPrefix("all_model_checkpoint_paths:") { all.append(value) }
        }
    }
}

/// Names of leftover temporary files of interrupted atomic writes (`.<name>.tmp-…`) in a directory.
func temporaryLeftovers(in directory: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
}

/// Regular files of a directory with their bytes (not recursive), for before/after comparisons.
func snapshotFiles(_ directory: URL) -> [String: Data] {
    var files: [String: Data] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
        var isDirectory: ObjCBool = false
        let url = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
           let data = try? Data(contentsOf: url) {
            files[name] = data
        }
    }
    return files
}

/// An integer from the environment, or `fallback`.
func environmentInt(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
}
