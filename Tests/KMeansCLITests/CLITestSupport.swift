import Foundation
import Testing

/// The result of one run of the `kmeans` binary.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output parsed as one JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdout.prefix(400))")
    }

    /// Standard output parsed as JSON lines.
    func jsonLines() throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any])
        }
    }
}

enum KMeansBinary {
    /// The built `kmeans` executable: `KMEANS_BINARY` if set, else next to this test bundle in the products
    /// directory (where `swift build` / `swift test` put it), else `.build/debug/kmeans` under the package root.
    static let url: URL? = {
        let manager = FileManager.default
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["KMEANS_BINARY"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        candidates.append(Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("kmeans"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("kmeans"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kmeans"))
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("kmeans"))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/kmeans"))
        return candidates.first { manager.isExecutableFile(atPath: $0.path) }
    }()
}

/// A temporary working directory for one test, removed afterwards.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Runs `kmeans` with `arguments` in this directory, feeding `input` on standard input.
    func run(_ arguments: [String], input: Data? = nil) throws -> CLIResult {
        let binary = try #require(KMeansBinary.url, "the kmeans binary was not found; build it with `swift build` or set KMEANS_BINARY")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = url
        let id = UUID().uuidString
        let outURL = url.appendingPathComponent(".stdout-\(id)")
        let errURL = url.appendingPathComponent(".stderr-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs `kmeans` and requires exit status 0.
    func succeed(_ arguments: [String], input: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        let result = try run(arguments, input: input)
        #expect(result.status == 0, "kmeans \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)",
                sourceLocation: sourceLocation)
        return result
    }
}

/// The test bundle's fixture directory.
var fixtures: URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
}

/// Numbers from parsed JSON.
func doubles(_ value: Any?) -> [Double]? {
    guard let array = value as? [Any] else { return nil }
    let numbers = array.compactMap { ($0 as? NSNumber)?.doubleValue }
    return numbers.count == array.count ? numbers : nil
}

func matrix(_ value: Any?) -> [[Double]]? {
    guard let rows = value as? [Any] else { return nil }
    let parsed = rows.compactMap(doubles)
    return parsed.count == rows.count ? parsed : nil
}

func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

/// True when every element is within `relative` of the expected value (relative to max(|expected|, floor)).
func close(_ actual: [[Double]], _ expected: [[Double]], relative: Double, floor: Double = 1e-6) -> Bool {
    guard actual.count == expected.count else { return false }
    for (a, e) in zip(actual, expected) {
        guard a.count == e.count else { return false }
        for (x, y) in zip(a, e) where abs(x - y) > relative * max(abs(y), floor) { return false }
    }
    return true
}

/// A parity fixture (subset of the TF parity JSON).
struct ParityCase {
    let centers: [[Double]]
    let clusterIndex: [Int]
    let allDistances: [[Double]]
    let transform: [[Double]]
    let score: Double
    let steps: Int

    init(_ name: String) throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("parity/\(name).json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        centers = try #require(matrix(object["final_centers"]))
        clusterIndex = try #require(doubles(object["final_cluster_index"])).map { Int($0) }
        allDistances = try #require(matrix(object["final_all_distances_raw"]))
        transform = try #require(matrix(object["final_transform"]))
        let evaluate = try #require(object["final_evaluate"] as? [String: Any])
        score = try #require(number(evaluate["score"]))
        steps = Int(try #require(number(object["steps"])))
    }
}

/// Well-separated blobs around `centers`, deterministic.
func blobsCSV(centers: [[Double]], perCenter: Int, spread: Double = 0.3, header: Bool = true) -> String {
    var state: UInt64 = 12345
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var lines: [String] = header ? [(0..<centers[0].count).map { "f\($0)" }.joined(separator: ",")] : []
    for i in 0..<perCenter {
        for center in centers {
            _ = i
            lines.append(center.map { String(Float($0 + (uniform() * 2 - 1) * spread)) }.joined(separator: ","))
        }
    }
    return lines.joined(separator: "\n") + "\n"
}
