import Foundation
@testable import KMeansCommands
import KMeansCore
import KMeansData
import Testing

/// `kmeans train --memory-limit`: a full-batch `.npy` larger than the budget is streamed from the file on every
/// step, with the in-memory run's variables, bit for bit.
@Suite("train --memory-limit (full batch past memory)")
struct MemoryLimitTests {
    /// 16 384 × 16 float32 (1 MiB of data): five blobs, seeded.
    static func blobs(rows: Int = 16_384, columns: Int = 16) -> Matrix {
        var generator = SplitMix64(seed: 11)
        var values: [Float] = []
        values.reserveCapacity(rows * columns)
        for _ in 0..<rows {
            let blob = Float(generator.next() % 5) * 3
            for c in 0..<columns { values.append(blob * Float(c % 3 + 1) + Float(generator.nextUnit()) - 0.5) }
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    static let fullBatch = ["--num-clusters", "7", "--random-seed", "5", "--use-mini-batch", "false", "--quiet"]

    @Test("a file that fits both ways: streamed (64K budget) and in-memory runs leave the same variables", arguments: ["squared_euclidean", "cosine"])
    func sameVariables(metric: String) throws {
        let scratch = try Scratch()
        let data = scratch.path("x.npy")
        try NPYWriter.write(Self.blobs(), to: data)
        let common = ["--data", data, "--steps", "4", "--initial-clusters", "random", "--distance-metric", metric] + Self.fullBatch
        _ = try scratch.succeed(["train", "--model-dir", "memory"] + common)
        let streamed = try scratch.run(["train", "--model-dir", "streamed", "--memory-limit", "64K", "--data", data, "--steps", "4",
                                        "--initial-clusters", "random", "--distance-metric", metric, "--num-clusters", "7",
                                        "--random-seed", "5", "--use-mini-batch", "false"])
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stderr.contains("streaming \(data) from the file on every step"), "\(streamed.stderr)")
        let inMemory = try TrainingLayerParityTests.variables(scratch.path("memory"))
        let fromFile = try TrainingLayerParityTests.variables(scratch.path("streamed"))
        #expect(inMemory.step == 4 && fromFile.step == 4)
        #expect(inMemory.tensors == fromFile.tensors, "streamed variables differ (\(metric))")
        let params = { (dir: String) in try Data(contentsOf: URL(fileURLWithPath: scratch.path(dir)).appendingPathComponent("kmeans_params.json")) }
        #expect(try params("memory") == params("streamed"))
    }

    @Test("explicit centres, and a run continued from an in-memory checkpoint, stream to the in-memory variables")
    func explicitAndResumed() throws {
        let scratch = try Scratch()
        let points = Self.blobs()
        let data = scratch.path("x.npy"), centers = scratch.path("c.npy")
        try NPYWriter.write(points, to: data)
        try NPYWriter.write(points.gathering(rows: [3, 500, 9000, 12_000, 16_000, 77, 4242]), to: centers)
        let explicit = ["--data", data, "--initial-clusters", centers] + Self.fullBatch
        _ = try scratch.succeed(["train", "--model-dir", "memory", "--steps", "5"] + explicit)
        _ = try scratch.succeed(["train", "--model-dir", "streamed", "--steps", "5", "--memory-limit", "100K"] + explicit)
        #expect(try TrainingLayerParityTests.variables(scratch.path("memory")).tensors
                    == TrainingLayerParityTests.variables(scratch.path("streamed")).tensors)

        let random = ["--data", data, "--initial-clusters", "random"] + Self.fullBatch
        _ = try scratch.succeed(["train", "--model-dir", "whole", "--steps", "5"] + random)
        _ = try scratch.succeed(["train", "--model-dir", "resumed", "--steps", "2"] + random)
        _ = try scratch.succeed(["train", "--model-dir", "resumed", "--steps", "3", "--memory-limit", "100K", "--data", data, "--quiet"])
        let whole = try TrainingLayerParityTests.variables(scratch.path("whole"))
        let resumed = try TrainingLayerParityTests.variables(scratch.path("resumed"))
        #expect(whole.step == 5 && resumed.step == 5)
        #expect(whole.tensors == resumed.tensors)
    }

    @Test("bad input: a budget under one row, a text file past the budget, an unparsable size, k-means++ past memory")
    func refused() throws {
        let scratch = try Scratch()
        let data = scratch.path("x.npy")
        try NPYWriter.write(Self.blobs(rows: 2_000), to: data)
        let csv = try scratch.write("x.csv", CSVWriter.format(Self.blobs(rows: 2_000, columns: 4)))
        let cases: [(arguments: [String], message: String)] = [
            (["--data", data, "--memory-limit", "100"], "is smaller than one row of \(data) per core"),
            (["--data", csv, "--memory-limit", "4K"], "streams .npy files only; convert it to a float32 .npy"),
            (["--data", data, "--memory-limit", "12Q"], "--memory-limit must be a size such as 512M, 2G or a number of bytes, given: '12Q'"),
            (["--data", data, "--memory-limit", "-5M"], "given: '-5M'"),
            (["--data", data, "--memory-limit", "64K", "--initial-clusters", "kmeans_plus_plus"], "kmeans_plus_plus needs every point in memory"),
        ]
        for (arguments, message) in cases {
            let result = try scratch.run(["train", "--model-dir", "m", "--num-clusters", "3", "--use-mini-batch", "false", "--steps", "2"] + arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(!scratch.exists("m"), "\(arguments) left a model directory")
        }
    }

    @Test("a NaN or (cosine) an all-zero row deep in a streamed file: one line naming the file, row and column; a fresh model dir is removed")
    func badRows() throws {
        let scratch = try Scratch()
        var values = Self.blobs(rows: 4_000).values
        values[3_210 * 16 + 4] = .nan
        let data = scratch.path("nan.npy")
        try NPYWriter.write(Matrix(rows: 4_000, columns: 16, values: values), to: data)
        let nan = try scratch.run(["train", "--data", data, "--model-dir", "m", "--memory-limit", "16K", "--steps", "2", "--quiet"] + Self.fullBatch)
        #expect(nan.status == 1 && nan.stderr.contains("\(data):3211:5: nan is not a finite number") && nan.stderr.split(separator: "\n").count == 1, "\(nan.stderr)")
        #expect(!scratch.exists("m"))
        values[3_210 * 16 + 4] = 1
        for c in 0..<16 { values[2_000 * 16 + c] = 0 }
        let zeros = scratch.path("zeros.npy")
        try NPYWriter.write(Matrix(rows: 4_000, columns: 16, values: values), to: zeros)
        let cosine = try scratch.run(["train", "--data", zeros, "--model-dir", "m", "--memory-limit", "16K", "--steps", "2",
                                      "--distance-metric", "cosine"] + Self.fullBatch)
        #expect(cosine.status == 1 && cosine.stderr.contains("\(zeros):2001:1: row is all zeros"), "\(cosine.stderr)")
        #expect(!scratch.exists("m"))
    }

    @Test("sizes: bytes and binary units", arguments: [("512M", 512 << 20), ("2G", 2 << 30), ("64K", 65_536), ("64KiB", 65_536), ("1.5g", 3 << 29), ("4096", 4096)])
    func sizes(text: String, bytes: Int) throws {
        #expect(try MemoryBudget.parse(text).bytes == bytes)
    }

    @Test("the default budget is half of MemAvailable, 1 GiB without /proc/meminfo")
    func defaultBudget() {
        #expect(MemoryBudget.machineDefault(meminfo: "MemTotal: 100 kB\nMemAvailable:    2048 kB\n").bytes == 1 << 20)
        #expect(MemoryBudget.machineDefault(meminfo: nil).bytes == 1 << 30)
    }
}
